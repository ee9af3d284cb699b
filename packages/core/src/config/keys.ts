import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { AamError } from '../errors.js';
import { schemaPath } from '../schemas.js';
import { didYouMean } from '../suggest.js';

interface SchemaNode {
  type?: string | string[];
  properties?: Record<string, SchemaNode>;
  additionalProperties?: boolean | SchemaNode;
  items?: SchemaNode;
  anyOf?: SchemaNode[];
  oneOf?: SchemaNode[];
}

let schema: SchemaNode | undefined;
const configSchema = (): SchemaNode =>
  (schema ??= JSON.parse(readFileSync(schemaPath('config'), 'utf8')) as SchemaNode);

/** The object branch of a node that may be `anyOf: [string, object]` (trusted_identities entries). */
function objectBranch(node: SchemaNode): SchemaNode | undefined {
  if (node.properties || typeof node.additionalProperties === 'object') return node;
  return [...(node.anyOf ?? []), ...(node.oneOf ?? [])].find(
    (n) => n.properties || typeof n.additionalProperties === 'object',
  );
}

/**
 * `security.trusted_keys.0` → `['security', 'trusted_keys', 0]`, checked against the config schema: a key the
 * schema does not have is refused (exit 2) with the closest one, so `config get`/`config set` never read or
 * write a misspelt key.
 */
export function configKeyPath(key: string): (string | number)[] {
  if (!/^[A-Za-z0-9_@.-]+$/.test(key) || key.startsWith('.') || key.endsWith('.') || key.includes('..'))
    throw new AamError(
      'USAGE',
      `'${key}' is not a config key: use dotted names such as security.require_signature`,
    );
  const path: (string | number)[] = [];
  let node: SchemaNode | undefined = configSchema();
  for (const seg of key.split('.')) {
    const shown = [...path, seg].join('.');
    if (node?.type === 'array' || node?.items) {
      if (!/^\d+$/.test(seg))
        throw new AamError(
          'USAGE',
          `'${shown}': ${path.join('.')} is a list: give an index (${path.join('.')}.0)`,
        );
      path.push(Number(seg));
      node = node.items;
      continue;
    }
    const obj: SchemaNode | undefined = node ? objectBranch(node) : undefined;
    if (!obj) throw new AamError('USAGE', `'${shown}': ${path.join('.')} is a single value, not a section`);
    const props = obj.properties ?? {};
    if (Object.hasOwn(props, seg)) node = props[seg];
    else if (typeof obj.additionalProperties === 'object') node = obj.additionalProperties;
    else
      throw new AamError(
        'USAGE',
        `Unknown config key '${shown}'${didYouMean(seg, Object.keys(props))}${path.length ? '' : `. Sections: ${Object.keys(props).join(', ')}`}`,
        { key: shown },
      );
    path.push(seg);
  }
  return path;
}

/** The value at a path of a config: the merged one or one file's layer (undefined when unset). */
export function configValueAt(config: unknown, path: (string | number)[]): unknown {
  let v: unknown = config;
  for (const seg of path) {
    if (v === null || typeof v !== 'object' || !Object.hasOwn(v, seg)) return undefined;
    v = (v as Record<string | number, unknown>)[seg];
  }
  return v;
}

/**
 * A value typed on the command line, read as YAML: `true`, `30`, `[a@x.org, "*@y.org"]`, `{identity: a@x.org}`;
 * anything else is a string.
 */
export function parseConfigValue(text: string): unknown {
  try {
    return parse(text) as unknown;
  } catch {
    return text;
  }
}
