// Precompiles the JSON Schemas in ../schema into one CommonJS module of Ajv validators (dist/validators.cjs),
// so the CLI validates config, manifests, registry metadata and locks without loading or running Ajv's compiler.
const { writeFileSync, readdirSync, readFileSync } = require('node:fs');
const { join } = require('node:path');
const { Ajv } = require('ajv');
const standaloneCode = require('ajv/dist/standalone').default;

const root = join(__dirname, '..');
const ajv = new Ajv({
  code: { source: true },
  allErrors: true,
  strict: true,
  allowUnionTypes: true,
  verbose: true,
});
ajv.addVocabulary(['x-message']);
const exportsMap = {};
for (const file of readdirSync(join(root, 'schema'))
  .filter((f) => f.endsWith('.schema.json'))
  .sort()) {
  const name = file.replace('.schema.json', '');
  ajv.addSchema(JSON.parse(readFileSync(join(root, 'schema', file), 'utf8')), name);
  exportsMap[name] = name;
}
writeFileSync(join(root, 'dist', 'validators.cjs'), standaloneCode(ajv, exportsMap));
