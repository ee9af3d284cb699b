/**
 * `--json` is a contract: every command's output is checked against its JSON Schema
 * (packages/core/schema/cli/<command>.schema.json), every object key is snake_case (as the file formats are;
 * data maps such as file_checksums are keyed by data), and every command has a schema. Failures answer with one
 * error document (error.schema.json). The commands run through the binary in one scenario: a local registry,
 * an HTTP registry with an approver, a package through its life.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../packages/cli/dist/commands.js';
import { REPO, World, type RunResult } from './support/aam.js';
import { startServer, type RunningServer } from './support/registry-server.js';

const SCHEMAS = join(REPO, 'packages/core/schema/cli');
/** Commands with no JSON output: a shell script, and a server that runs until stopped. */
const NO_JSON = new Set(['completion', 'registry serve']);
/** Maps keyed by data (paths, tags, package names, reason codes), not by field names. */
const DATA_MAPS = new Set([
  'file_checksums',
  'dist_tags',
  'dependencies',
  'claims',
  'scopes',
  'warned',
  'refused',
  'failed',
]);

const ajv = new Ajv({ allErrors: true, strict: false });
const validators = new Map<string, ValidateFunction>();
const schemaFor = (id: string): ValidateFunction => {
  let v = validators.get(id);
  if (!v) {
    v = ajv.compile(JSON.parse(readFileSync(join(SCHEMAS, `${id.replace(/ /g, '-')}.schema.json`), 'utf8')));
    validators.set(id, v);
  }
  return v;
};

/** Keys that are not snake_case, outside data maps. */
function badKeys(v: unknown, path = ''): string[] {
  if (Array.isArray(v)) return v.flatMap((x) => badKeys(x, `${path}[]`));
  if (!v || typeof v !== 'object') return [];
  const last = path.split('.').at(-1)!;
  return Object.entries(v).flatMap(([k, x]) => [
    ...(!DATA_MAPS.has(last) && !/^[a-z][a-z0-9_]*$/.test(k) ? [`${path}.${k}`] : []),
    ...badKeys(x, `${path}.${k}`),
  ]);
}

const outputs = new Map<string, unknown[]>();
let samples = 0;
const failures: { id: string; r: RunResult }[] = [];
let server: RunningServer;

beforeAll(async () => {
  server = await startServer({ args: ['--require-approval'] });
  const w = new World();
  const json = async (id: string, args: string[], env: NodeJS.ProcessEnv = {}, cwd = w.project) => {
    const r = await w.aam([...args, '--json'], cwd, env);
    if (r.code !== 0) throw new Error(`${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
    const doc = JSON.parse(r.stdout) as unknown;
    outputs.set(id, [...(outputs.get(id) ?? []), doc]);
    if (process.env.AAM_WRITE_OUTPUT_SAMPLES) {
      mkdirSync(process.env.AAM_WRITE_OUTPUT_SAMPLES, { recursive: true });
      writeFileSync(
        join(process.env.AAM_WRITE_OUTPUT_SAMPLES, `${id.replace(/ /g, '-')}.${++samples}.json`),
        r.stdout,
      );
    }
    return doc as Record<string, unknown>;
  };
  const src = join(w.root, 'src');
  mkdirSync(src);
  // Local registry, a package through pack, publish, install, verify, info, search, outdated.
  await json('registry init', ['registry', 'init', join(w.root, 'local'), '--default']);
  await json('pkg init', ['pkg', 'init', '--name', 'demo-pkg', '--version', '1.0.0'], {}, src);
  await json('pkg validate', ['pkg', 'validate'], {}, src);
  await json('pkg pack', ['pkg', 'pack'], {}, src);
  // Signed (OpenPGP.js through AAM_GPG_KEY_FILE) and trusted, so install and info carry real signature facts.
  const openpgp = await import('openpgp');
  const key = await openpgp.generateKey({
    type: 'ecc',
    curve: 'ed25519Legacy',
    userIDs: [{ name: 'Demo', email: 'demo@example.org' }],
    format: 'armored',
  });
  const keyFile = join(w.root, 'demo-key.asc');
  writeFileSync(keyFile, key.privateKey);
  const fingerprint = (await openpgp.readKey({ armoredKey: key.publicKey })).getFingerprint().toUpperCase();
  await json('pkg publish', ['pkg', 'publish', '--sign-type', 'gpg'], { AAM_GPG_KEY_FILE: keyFile }, src);
  await json('config set', ['config', 'set', 'security.trusted_keys', `[${fingerprint}]`]);
  await json('install', ['install', 'demo-pkg', '--verify']);
  await json('verify', ['verify']);
  await json('info', ['info', 'demo-pkg', '--signatures']);
  await json('search', ['search', 'demo']);
  await json('outdated', ['outdated']);
  await json('doctor', ['doctor']);
  await json('config set', ['config', 'set', 'network.timeout', '20', '--global']);
  await json('config get', ['config', 'get', 'security']);
  await json('config list', ['config', 'list']);
  await json('config validate', ['config', 'validate']);
  await json('plugin list', ['plugin', 'list']);
  await json('policy show', ['policy', 'show']);
  await json('policy init', ['policy', 'init', '--level', 'moderate']);
  await json('policy build', ['policy', 'build']);
  const facts = join(w.root, 'facts.json');
  writeFileSync(
    facts,
    JSON.stringify({
      facts_version: 1,
      package: { name: 'a', version: '1.0.0' },
      checksum: { expected: `sha256:${'a'.repeat(64)}`, actual: `sha256:${'a'.repeat(64)}` },
      signatures: [],
      attestations: [],
      request: { verify: false, require_signature: false, no_verify: false },
    }),
  );
  await json('policy eval', ['policy', 'eval', '--input', facts]);
  mkdirSync(join(w.project, 'policy-tests'));
  writeFileSync(
    join(w.project, 'policy-tests', 'installs.yaml'),
    `facts: ${JSON.stringify(JSON.parse(readFileSync(facts, 'utf8')))}\nexpect:\n  outcome: install\n`,
  );
  await json('policy test', ['policy', 'test']);
  await json('registry list', ['registry', 'list']);
  await json('registry admin-token', ['registry', 'admin-token']);
  // The HTTP registry: an admin, an approver, a package through approval, tags, owners, a yank.
  await json('registry add', ['registry', 'add', 'corp', server.url]);
  await json('login', ['login', '--registry', 'corp', '--token', server.adminToken!]);
  const bob = (await json('user add', [
    'user',
    'add',
    'bob',
    '--role',
    'approver',
    '--registry',
    'corp',
  ])) as {
    token: string;
  };
  const created = (await json('token create', [
    'token',
    'create',
    '--scope',
    'read',
    '--registry',
    'corp',
  ])) as {
    id: string;
  };
  await json('token list', ['token', 'list', '--registry', 'corp']);
  await json('token revoke', ['token', 'revoke', created.id, '--registry', 'corp']);
  const lib = join(w.root, 'lib');
  mkdirSync(lib);
  await json('pkg init', ['pkg', 'init', '--name', '@corp/lib', '--version', '1.0.0'], {}, lib);
  await json('pkg publish', ['pkg', 'publish', '--registry', 'corp'], {}, lib);
  const asBob = { AAM_TOKEN: bob.token };
  await json('approvals', ['approvals', '--registry', 'corp'], asBob);
  await json('approve', ['approve', '@corp/lib@1.0.0', '--registry', 'corp'], asBob);
  writeFileSync(join(lib, 'aam.yaml'), readFileSync(join(lib, 'aam.yaml'), 'utf8').replace('1.0.0', '1.1.0'));
  await json('pkg publish', ['pkg', 'publish', '--registry', 'corp'], {}, lib);
  await json('reject', ['reject', '@corp/lib@1.1.0', '--registry', 'corp'], asBob);
  await json('dist-tag add', ['dist-tag', 'add', '@corp/lib@1.0.0', 'stable', '--registry', 'corp']);
  await json('dist-tag ls', ['dist-tag', 'ls', '@corp/lib', '--registry', 'corp']);
  await json('dist-tag rm', ['dist-tag', 'rm', '@corp/lib', 'stable', '--registry', 'corp']);
  await json('owner add', ['owner', 'add', '@corp/lib', 'bob', '--registry', 'corp']);
  await json('owner ls', ['owner', 'ls', '@corp/lib', '--registry', 'corp']);
  await json('owner rm', ['owner', 'rm', '@corp/lib', 'bob', '--registry', 'corp']);
  const offer = (await json('owner transfer', [
    'owner',
    'transfer',
    '@corp/lib',
    'bob',
    '--registry',
    'corp',
  ])) as {
    id: string;
  };
  await json('owner transfers', ['owner', 'transfers', '--registry', 'corp'], asBob);
  await json('owner accept', ['owner', 'accept', offer.id, '--registry', 'corp'], asBob);
  const back = (await json(
    'owner transfer',
    ['owner', 'transfer', '@corp/lib', 'admin', '--registry', 'corp'],
    asBob,
  )) as {
    id: string;
  };
  await json('owner decline', ['owner', 'decline', back.id, '--registry', 'corp']);
  await json('yank', ['yank', '@corp/lib@1.0.0', '--reason', 'test', '--registry', 'corp'], asBob);
  await json('info', ['info', '@corp/lib', '--audit-log', '--registry', 'corp']);
  await json('registry trust-key', ['registry', 'trust-key', 'corp']);
  await json('logout', ['logout', '--registry', 'corp']);
  await json('registry remove', ['registry', 'remove', 'corp']);
  // A file that is not verified answers its own document (ok: false), exit 1.
  const notVerified = await w.aam(['verify', facts, '--signature', facts, '--json']);
  expect(notVerified.code).toBe(1);
  outputs.set('verify', [...(outputs.get('verify') ?? []), JSON.parse(notVerified.stdout)]);
  // Failures: one error document each.
  for (const [id, args] of [
    ['install', ['install', 'no-such-package']],
    ['config get', ['config', 'get', 'security.nope']],
    ['instal', ['instal', 'demo-pkg']],
    ['policy eval', ['policy', 'eval', '--input', join(w.root, 'missing.json')]],
  ] as const) {
    const r = await w.aam([...args, '--json']);
    failures.push({ id, r });
  }
}, 240_000);

afterAll(async () => {
  await server?.stop();
});

describe('--json output', () => {
  const every = Object.keys(COMMANDS).map((k) => k.replace(/:/g, ' '));

  it('every command has a schema, or is one of the two that print no JSON', () => {
    const files = new Set(readdirSync(SCHEMAS).map((f) => f.replace(/\.schema\.json$/, '')));
    const missing = every.filter((id) => !NO_JSON.has(id) && !files.has(id.replace(/ /g, '-')));
    expect(missing).toEqual([]);
  });

  it('every schema declares snake_case property names only', () => {
    const names: string[] = [];
    const walk = (s: unknown, inData = false): void => {
      if (!s || typeof s !== 'object') return;
      for (const [k, v] of Object.entries(s as Record<string, unknown>)) {
        if (k === 'properties' && !inData)
          for (const p of Object.keys(v as object)) if (!/^[a-z][a-z0-9_]*$/.test(p)) names.push(p);
        walk(v, DATA_MAPS.has(k));
      }
    };
    for (const f of readdirSync(SCHEMAS)) walk(JSON.parse(readFileSync(join(SCHEMAS, f), 'utf8')));
    expect(names).toEqual([]);
  });

  it('every command that ran answered JSON its schema accepts, with snake_case keys', () => {
    const ran = every.filter((id) => !NO_JSON.has(id) && id !== 'sigstore update-root');
    expect(ran.filter((id) => !outputs.has(id))).toEqual([]);
    for (const [id, docs] of outputs)
      for (const doc of docs) {
        const v = schemaFor(id);
        expect(v(doc) ? [] : v.errors, id).toEqual([]);
        expect(badKeys(doc), id).toEqual([]);
      }
  });

  it('install --json carries the signature facts the text shows', () => {
    const doc = outputs.get('install')![0] as {
      packages: { signatures: unknown[]; attestations: unknown[] }[];
    };
    expect(doc.packages[0]!.signatures).toEqual([
      expect.objectContaining({
        type: 'gpg',
        valid: true,
        fingerprint: expect.stringMatching(/^[0-9A-F]{40}$/),
        user_ids: ['Demo <demo@example.org>'],
      }),
    ]);
    expect(doc.packages[0]!.attestations).toEqual([]);
  });

  it('a failure answers one error document on stdout, non-zero', () => {
    const v = schemaFor('error');
    for (const { id, r } of failures) {
      expect(r.code, id).not.toBe(0);
      const doc = JSON.parse(r.stdout) as unknown;
      expect(v(doc) ? [] : v.errors, id).toEqual([]);
      expect(badKeys(doc), id).toEqual([]);
    }
  });
});
