import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { isMap, isSeq, parseDocument, YAMLMap, YAMLSeq, type Document } from 'yaml';
import { AamError, unknownRegistryError } from '../errors.js';
import { validateConfigText } from './load.js';
import type { RegistryConfig } from './types.js';

/** Edits a config file in place, keeping its comments, then re-validates before replacing it atomically. */
async function editConfig(file: string, change: (doc: Document) => void): Promise<void> {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  validateConfigText(text, file); // never build on a broken file: report it with its line
  const doc = parseDocument(text);
  if (doc.contents === null) doc.contents = doc.createNode({}) as unknown as typeof doc.contents;
  change(doc);
  const next = doc.toString();
  validateConfigText(next, file);
  mkdirSync(dirname(file), { recursive: true });
  await writeFileAtomic(file, next, { encoding: 'utf8', fsync: true });
}

function registriesSeq(doc: Document): YAMLSeq {
  let seq = doc.get('registries', true);
  if (seq === undefined || seq === null) {
    seq = new YAMLSeq();
    doc.set('registries', seq);
  }
  if (!isSeq(seq)) throw new AamError('INVALID_CONFIG', "'registries' in the config is not a list");
  return seq as YAMLSeq;
}

/** `aam registry add`: appends to the global config; `--default` makes it the only default. */
export async function addRegistryToConfig(file: string, reg: RegistryConfig): Promise<void> {
  await editConfig(file, (doc) => {
    const seq = registriesSeq(doc);
    for (const item of seq.items) {
      if (isMap(item) && item.get('name') === reg.name) {
        throw new AamError(
          'REGISTRY_EXISTS',
          `Registry '${reg.name}' already configured. Use 'aam registry remove ${reg.name}' first.`,
        );
      }
    }
    if (reg.default) for (const item of seq.items) if (isMap(item)) (item as YAMLMap).delete('default');
    seq.add(
      doc.createNode({
        name: reg.name,
        url: reg.url,
        ...(reg.default ? { default: true } : {}),
        ...(reg.checkpoint_key ? { checkpoint_key: reg.checkpoint_key } : {}),
        ...(reg.attestation_keys?.length ? { attestation_keys: reg.attestation_keys } : {}),
      }),
    );
  });
}

export async function removeRegistryFromConfig(file: string, name: string): Promise<void> {
  await editConfig(file, (doc) => {
    const seq = registriesSeq(doc);
    const index = seq.items.findIndex((item) => isMap(item) && item.get('name') === name);
    if (index < 0) {
      const names = seq.items.flatMap((item) =>
        isMap(item) && typeof item.get('name') === 'string' ? [{ name: item.get('name') as string }] : [],
      );
      throw unknownRegistryError(name, names);
    }
    seq.items.splice(index, 1);
  });
}

/** `aam registry trust-key`: replaces a registry's pinned attestation key ids, keeping the file's comments. */
export async function setRegistryAttestationKeys(file: string, name: string, keys: string[]): Promise<void> {
  await editConfig(file, (doc) => {
    const item = registriesSeq(doc).items.find((i) => isMap(i) && i.get('name') === name);
    if (!item)
      throw new AamError('NOT_FOUND', `Registry '${name}' is not configured in ${file}`, { registry: name });
    (item as YAMLMap).set('attestation_keys', doc.createNode(keys));
  });
}

/** Sets keys (paths like ['security', 'require_signature']) in a config file, keeping its comments. */
export async function setConfigKeys(file: string, entries: [(string | number)[], unknown][]): Promise<void> {
  await editConfig(file, (doc) => {
    for (const [path, value] of entries) doc.setIn(path, doc.createNode(value));
  });
}

/** Removes a key from a config file, keeping its comments; false when the file did not set it. */
export async function unsetConfigKey(file: string, path: (string | number)[]): Promise<boolean> {
  let had = false;
  await editConfig(file, (doc) => {
    had = doc.hasIn(path);
    if (had) doc.deleteIn(path);
  });
  return had;
}
