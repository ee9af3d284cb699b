import { readFileSync } from 'node:fs';
import type { ErrorObject } from 'ajv';
import { isAlias, isMap, isNode, isScalar, LineCounter, parseDocument, visit, type Document } from 'yaml';
import { AamError, type AamErrorCode } from './errors.js';
import { validatorFor, type SchemaName } from './schemas.js';
import { closest, didYouMean } from './suggest.js';

/** A parsed YAML file that remembers where each value came from, so errors can name file, line and key. */
export interface YamlSource {
  file: string;
  doc: Document;
  lines: LineCounter;
  value: unknown;
}

export interface SourceProblem {
  file: string;
  line: number;
  column: number;
  key: string;
  message: string;
}

export function formatProblem(p: SourceProblem): string {
  return `${p.file}:${p.line}:${p.column}: ${p.key ? `${p.key}: ` : ''}${p.message}`;
}

/** Parses YAML text; a syntax error becomes an AamError naming the file, line and column. */
export function parseYaml(text: string, file: string, code: AamErrorCode): YamlSource {
  const lines = new LineCounter();
  // Duplicate keys are refused (below): the library's own check compares every pair of keys of a map, which is
  // quadratic (2 s for a lock recording one package of 10,000 files).
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
  const err = doc.errors[0] ?? duplicateKey(doc);
  if (err) {
    const pos = lines.linePos(err.pos[0]);
    const problem: SourceProblem = {
      file,
      line: pos.line,
      column: pos.col,
      key: '',
      message: `invalid YAML: ${err.message.split('\n')[0]}`,
    };
    throw new AamError(code, formatProblem(problem), { problems: [problem] });
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_EXPANSIONS });
  } catch (e) {
    // The yaml library throws a plain error for an alias bomb ("billion laughs"): it is bad input, not a bug.
    const problem: SourceProblem = {
      file,
      line: 1,
      column: 1,
      key: '',
      message: `invalid YAML: ${e instanceof Error ? e.message : String(e)} (aliases expand to too much: at most ${MAX_ALIAS_EXPANSIONS} uses of an alias are allowed)`,
    };
    throw new AamError(code, formatProblem(problem), { problems: [problem] });
  }
  return { file, doc, lines, value };
}

/**
 * The first key that repeats a key of the same map, as a parse error, in one pass with a set per map. Keys are
 * equal when they name the same property of the parsed object (stricter than the library's rule, which let
 * `1:` and `"1":` both through, the second silently replacing the first).
 */
function duplicateKey(doc: Document): { pos: [number, number]; message: string } | undefined {
  let found: { pos: [number, number]; message: string } | undefined;
  visit(doc, {
    Map(_, map) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        const k = pair.key;
        // As the parsed object's property: `1` and "1" both become "1", `~` and "" both become "" (an alias key
        // is the node it names).
        const key = isAlias(k) ? k.resolve(doc) : k;
        const id = isScalar(key)
          ? key.value === null
            ? ''
            : String(key.value)
          : isNode(key)
            ? `node:${JSON.stringify(key.toJSON())}`
            : String(key);
        if (seen.has(id)) {
          const start = isNode(k) && k.range ? k.range[0] : (map.range?.[0] ?? 0);
          found = { pos: [start, start + 1], message: 'Map keys must be unique' };
          return visit.BREAK;
        }
        seen.add(id);
      }
      return undefined;
    },
  });
  return found;
}

/** How many times aliases may be expanded in one document: enough for hand-written configs, never a bomb. */
const MAX_ALIAS_EXPANSIONS = 100;

export function readYamlFile(file: string, code: AamErrorCode): YamlSource {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new AamError('IO_ERROR', `Cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  return parseYaml(text, file, code);
}

/** Where in the source a JSON-pointer-like path starts (the deepest node that exists). */
export function locate(src: YamlSource, path: (string | number)[]): { line: number; column: number } {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? src.doc.contents : src.doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range) {
      const pos = src.lines.linePos(node.range[0]);
      return { line: pos.line, column: pos.col };
    }
  }
  return { line: 1, column: 1 };
}

export function problemAt(src: YamlSource, path: (string | number)[], message: string): SourceProblem {
  return { file: src.file, ...locate(src, path), key: path.join('.'), message };
}

/** Like problemAt, but points at the key itself (for unknown keys) rather than its value. */
export function problemAtKey(src: YamlSource, path: (string | number)[], message: string): SourceProblem {
  const parent = path.length > 1 ? src.doc.getIn(path.slice(0, -1), true) : src.doc.contents;
  const last = path[path.length - 1];
  if (isMap(parent)) {
    const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === last);
    if (pair && isNode(pair.key) && pair.key.range) {
      const pos = src.lines.linePos(pair.key.range[0]);
      return { file: src.file, line: pos.line, column: pos.col, key: path.join('.'), message };
    }
  }
  return problemAt(src, path, message);
}

function pointerToPath(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function describe(e: ErrorObject): string {
  if (e.keyword === 'enum')
    return `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
  if (e.parentSchema && 'x-message' in e.parentSchema) {
    return String((e.parentSchema as Record<string, unknown>)['x-message']);
  }
  return e.message ?? e.keyword;
}

export interface SchemaResult {
  errors: SourceProblem[];
  /** Unknown keys: reported as warnings (SPEC §3), except under a strict section. */
  warnings: SourceProblem[];
}

export interface SchemaCheckOptions {
  /**
   * Top-level sections where an unknown key is an error, not a warning: a typo there (`requre_signature`)
   * would otherwise silently leave a security setting at its default. A misspelt name of such a section is an
   * error too.
   */
  strictSections?: readonly string[];
}

/** The keys a schema node allows, for "did you mean" on an unknown one. */
function allowedKeys(parentSchema: unknown): string[] {
  const props = (parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties;
  return props ? Object.keys(props) : [];
}

/** Validates the parsed value against a JSON Schema, mapping each error to its file/line/key. */
export function checkSchema(
  src: YamlSource,
  schema: SchemaName,
  opts: SchemaCheckOptions = {},
): SchemaResult {
  const validate = validatorFor(schema);
  const errors: SourceProblem[] = [];
  const warnings: SourceProblem[] = [];
  if (validate(src.value)) return { errors, warnings };
  const seen = new Set<string>();
  for (const e of validate.errors ?? []) {
    const path = pointerToPath(e.instancePath);
    if (e.keyword === 'additionalProperties') {
      const extra = (e.params as { additionalProperty: string }).additionalProperty;
      const allowed = allowedKeys(e.parentSchema);
      const hint = didYouMean(extra, allowed, '`');
      // Strict: a key inside a strict section, or a top-level key that is a misspelt strict section
      // (`securty:` would silently drop every security setting under it).
      const meant = path.length === 0 ? closest(extra, allowed) : undefined;
      const strict =
        opts.strictSections?.includes(String([...path, extra][0])) ||
        (meant !== undefined && opts.strictSections?.includes(meant));
      if (strict)
        errors.push(
          problemAtKey(
            src,
            [...path, extra],
            `unknown key${hint}: a misspelt security setting would leave the default in force`,
          ),
        );
      else warnings.push(problemAtKey(src, [...path, extra], `unknown key (ignored)${hint}`));
      continue;
    }
    // anyOf/oneOf wrappers repeat their branches' errors; keep the most specific line per key.
    if (e.keyword === 'anyOf' || e.keyword === 'oneOf') continue;
    const p = problemAt(src, path, describe(e));
    const id = `${p.key}|${p.message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const actual = path.length ? src.doc.getIn(path) : src.value;
    if (actual !== undefined && typeof actual !== 'object') p.message += ` (got ${JSON.stringify(actual)})`;
    errors.push(p);
  }
  return { errors, warnings };
}

/** Throws one AamError listing every problem, first line first. */
export function throwProblems(code: AamErrorCode, what: string, problems: SourceProblem[]): never {
  const sorted = [...problems].sort((a, b) => a.line - b.line || a.column - b.column);
  const first = sorted[0];
  const head =
    sorted.length === 1 && first
      ? formatProblem(first)
      : `${what}:\n${sorted.map((p) => '  ' + formatProblem(p)).join('\n')}`;
  throw new AamError(code, head, { problems: sorted });
}
