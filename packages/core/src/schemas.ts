import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ValidateFunction } from 'ajv';

/** The published JSON Schemas, in `@aam/core/schema/<name>.schema.json`. */
export type SchemaName = 'config' | 'manifest' | 'metadata' | 'lock' | 'facts.v1';

const require = createRequire(import.meta.url);

export function schemaPath(name: SchemaName): string {
  return require.resolve(`../schema/${name}.schema.json`);
}

let precompiled: Partial<Record<SchemaName, ValidateFunction>> | null | undefined;
const compiledHere = new Map<SchemaName, ValidateFunction>();

/**
 * The validator for a schema: precompiled at build time (dist/validators.cjs) when present, else compiled by
 * Ajv from the same JSON on first use (e.g. when tests run from the TypeScript sources).
 */
export function validatorFor(name: SchemaName): ValidateFunction {
  if (precompiled === undefined) {
    try {
      precompiled = require('./validators.cjs') as Partial<Record<SchemaName, ValidateFunction>>;
    } catch {
      precompiled = null;
    }
  }
  const ready = precompiled?.[name];
  if (ready) return ready;
  let v = compiledHere.get(name);
  if (!v) {
    const { Ajv } = require('ajv') as typeof import('ajv');
    const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true, verbose: true });
    ajv.addVocabulary(['x-message']);
    v = ajv.compile(JSON.parse(readFileSync(schemaPath(name), 'utf8')) as object);
    compiledHere.set(name, v);
  }
  return v;
}
