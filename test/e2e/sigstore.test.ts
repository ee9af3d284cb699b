import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { SigstoreSigner } from '../../packages/plugin-sigstore/src/index.js';
import { startOidcIssuer, type OidcIssuer } from '../support/oidc-issuer.js';
import {
  makeIdentityToken,
  startPrivateSigstore,
  type PrivateSigstore,
} from '../support/private-sigstore.js';
import { verifyFileInProcess } from '../support/verify-file.js';
import { AAM_BIN, must, REPO, snapshot, World } from './support/aam.js';

/**
 * Sigstore end to end against a private deployment (@sigstore/mock's CA, CT log, Rekor and TSA) served on
 * loopback: `aam pkg publish --sign` and `aam install --verify` run as separate processes; the verifier never
 * goes online, trusting only the generated trusted root.
 */
const GITHUB = 'https://token.actions.githubusercontent.com';
const EMAIL_ISSUER = 'https://accounts.example.org';

const emailToken = (email: string, iss = EMAIL_ISSUER) =>
  makeIdentityToken({ sub: email, email, email_verified: true, iss });
const githubToken = (owner: string, repo: string) =>
  makeIdentityToken({
    iss: GITHUB,
    sub: `repo:${owner}/${repo}:ref:refs/heads/main`,
    repository: `${owner}/${repo}`,
    repository_owner: owner,
    ref: 'refs/heads/main',
    job_workflow_ref: `${owner}/${repo}/.github/workflows/release.yml@refs/heads/main`,
  });

let sig: PrivateSigstore;
let w: World;
let rootFile: string;

function sigstoreSettings(extra: Record<string, string> = {}) {
  return { trusted_root: rootFile, fulcio_url: sig.url, rekor_url: sig.url, tsa_url: sig.url, ...extra };
}

/** A project whose `.aam/config.yaml` has this `security:` section (plus the private deployment). */
function project(name: string, security: Record<string, unknown>): string {
  const dir = join(w.root, 'projects', name);
  mkdirSync(join(dir, '.aam'), { recursive: true });
  writeFileSync(
    join(dir, '.aam', 'config.yaml'),
    stringify({ security: { sigstore: sigstoreSettings(), ...security } }),
  );
  return dir;
}

/** Signs bytes in-process through the private deployment, as `aam pkg publish --sign` would. */
async function bundleFor(bytes: Buffer, token: string): Promise<Buffer> {
  const doc = await new SigstoreSigner(sigstoreSettings()).sign(
    {
      bytes,
      checksum: `sha256:${createHash('sha256').update(bytes).digest('hex')}` as never,
      size: bytes.length,
    },
    { identityToken: token },
  );
  return Buffer.from(doc.bytes);
}

let fileNo = 0;
/** `aam verify FILE --signature BUNDLE` in a project trusting `security`. */
async function verifyFile(bytes: Buffer, bundle: Buffer | string, security: Record<string, unknown>) {
  const n = ++fileNo;
  const dir = project(`verify-${n}`, { on_signature_failure: 'error', ...security });
  const file = join(dir, 'artifact.bin');
  const sigFile = join(dir, 'artifact.sigstore.json');
  writeFileSync(file, bytes);
  writeFileSync(sigFile, bundle);
  return w.aam(['verify', file, '--signature', sigFile], dir);
}

/**
 * The same in-process (test/support/verify-file.ts: the command's steps without the process), for the many
 * identity and tampering cases; a few of each also run through the binary.
 */
async function judgeFile(bytes: Buffer, bundle: Buffer | string, security: Record<string, unknown>) {
  const n = ++fileNo;
  const dir = project(`judge-${n}`, { on_signature_failure: 'error', ...security });
  const file = join(dir, 'artifact.bin');
  const sigFile = join(dir, 'artifact.sigstore.json');
  writeFileSync(file, bytes);
  writeFileSync(sigFile, bundle);
  return verifyFileInProcess({ projectDir: dir, env: w.env, file, signatures: [sigFile] });
}

beforeAll(async () => {
  sig = await startPrivateSigstore();
  w = await new World().withRegistry();
  rootFile = join(w.root, 'private-trusted-root.json');
  await sig.writeTrustedRoot(rootFile);
});

afterAll(async () => {
  await sig?.close();
});

describe('publish --sign, then install --verify (separate processes, private Sigstore)', () => {
  it('signs through Fulcio, Rekor and the TSA; install trusts the identity and prints the seed block', async () => {
    const before = { ...sig.requests };
    const author = project('author', {});
    const dir = await w.makePackage('@acme/tool', '1.0.0');
    const pub = must(
      await w.aam(
        ['pkg', 'publish', dir, '--sign', '--identity-token', emailToken('alice@example.com')],
        author,
      ),
    );
    expect(pub.stdout).toMatch(/✓ Package signed with Sigstore\n {2}Identity: alice@example\.com\n/);
    expect(pub.stdout).toMatch(
      /Certificate: ephemeral Fulcio certificate, OIDC issuer https:\/\/accounts\.example\.org/,
    );
    expect(pub.stdout).toMatch(
      new RegExp(`Transparency log: ${sig.url.replace(/\./g, '\\.')}/api/v1/log/entries/[0-9a-f]{64}\\n`),
    );
    expect(pub.stdout).toMatch(/✓ Published @acme\/tool@1\.0\.0/);
    expect(sig.requests.fulcio - before.fulcio).toBe(1);
    expect(sig.requests.rekor - before.rekor).toBe(1);
    expect(sig.requests.tsa - before.tsa).toBe(1);
    const stored = JSON.parse(
      readFileSync(join(w.registry, 'packages', 'acme--tool', 'versions', '1.0.0.aam.sigstore.json'), 'utf8'),
    ) as { mediaType: string; verificationMaterial: Record<string, unknown> };
    expect(stored.mediaType).toBe('application/vnd.dev.sigstore.bundle.v0.3+json');
    expect(Object.keys(stored.verificationMaterial)).toContain('certificate');

    const consumer = project('consumer', {
      on_signature_failure: 'error',
      trusted_identities: ['alice@example.com'],
    });
    const inst = must(await w.aam(['install', '@acme/tool@1.0.0', '--verify'], consumer));
    expect(inst.stdout).toMatch(
      /✓ Checksum verified: sha256:[0-9a-f]{64}\n✓ Sigstore signature valid\n {2}Identity: alice@example\.com\n {2}Issued: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n {2}Transparency log: http:\/\/127\.0\.0\.1:\d+\/api\/v1\/log\/entries\/[0-9a-f]{64}\n✓ Identity trusted\n/,
    );
    expect(existsSync(join(consumer, '.aam', 'packages', '@acme', 'tool', 'aam.yaml'))).toBe(true);
    const lock = readFileSync(join(consumer, '.aam', 'aam-lock.yaml'), 'utf8');
    expect(lock).toMatch(/identity: alice@example\.com/);

    const info = must(await w.aam(['info', '@acme/tool@1.0.0', '--signatures'], consumer));
    expect(info.stdout).toMatch(
      /- Type: sigstore\n {4}Identity: alice@example\.com\n {4}Issued: .*\n {4}Transparency log: .*\n {4}Status: Valid ✓/,
    );
    // Re-checking the installed package re-verifies the stored bundle offline.
    const again = must(await w.aam(['verify', '--json'], consumer));
    expect(JSON.parse(again.stdout)).toMatchObject({ ok: true });
  });

  it('takes the token from SIGSTORE_ID_TOKEN when no flag is given', async () => {
    const author = project('author-env', {});
    const dir = await w.makePackage('@acme/env', '1.0.0');
    const pub = must(
      await w.aam(['pkg', 'publish', dir, '--sign', '--json'], author, {
        SIGSTORE_ID_TOKEN: emailToken('bob@example.com'),
      }),
    );
    expect(JSON.parse(pub.stdout)).toMatchObject({
      signature: { type: 'sigstore', valid: true, identity: 'bob@example.com', issuer: EMAIL_ISSUER },
    });
  });

  it('a refused token (Fulcio says no) fails the publish with exit 1 and publishes nothing', async () => {
    const author = project('author-refused', {});
    const dir = await w.makePackage('@acme/refused', '1.0.0');
    const before = snapshot(w.registry);
    const token = makeIdentityToken({ sub: 'x@example.com', email: 'x@example.com', email_verified: false });
    const r = await w.aam(['pkg', 'publish', dir, '--sign', '--identity-token', token], author);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Sigstore signing failed \(Fulcio http:\/\/127\.0\.0\.1:\d+/);
    expect(snapshot(w.registry)).toEqual(before);
  });
});

describe('bad signing input is a usage error (exit 2), checked before any service is contacted', () => {
  it.each([
    ['an empty --identity-token', '', /--identity-token is empty/],
    [
      'a --identity-token that is not a JWT',
      'not-a-token',
      /--identity-token is not an OIDC identity token: expected a JWT \(three base64url segments, header\.payload\.signature\)/,
    ],
    [
      'a --identity-token whose payload is not JSON',
      `${Buffer.from('{"alg":"none"}').toString('base64url')}.bm90IGpzb24.`,
      /--identity-token is not an OIDC identity token: .*its payload is not a JSON object/,
    ],
  ])('%s', async (_name, token, message) => {
    const author = project(`author-usage-${token.length}`, {});
    const dir = await w.makePackage('@acme/usage', '1.0.0');
    const before = snapshot(w.registry);
    const requests = { ...sig.requests };
    const r = await w.aam(['pkg', 'publish', dir, '--sign', '--identity-token', token], author);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at |SyntaxError|Unexpected token/);
    expect(sig.requests).toEqual(requests);
    expect(snapshot(w.registry)).toEqual(before);
  });

  it('a malformed SIGSTORE_ID_TOKEN is a usage error too', async () => {
    const author = project('author-usage-env', {});
    const dir = await w.makePackage('@acme/usage-env', '1.0.0');
    const r = await w.aam(['pkg', 'publish', dir, '--sign'], author, { SIGSTORE_ID_TOKEN: 'garbage' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/SIGSTORE_ID_TOKEN is not an OIDC identity token/);
  });
});

describe('a Rekor v2 entry (public-good, offline): the log is named by its base URL and the log index', () => {
  it('aam verify prints "<log> (log index N)" and --json keeps the bare URL', async () => {
    const dir = project('rekor-v2', {
      on_signature_failure: 'error',
      trusted_identities: ['brian@dehamer.com'],
      sigstore: {}, // the vendored public-good root
    });
    const fixtures = join(REPO, 'test/fixtures/sigstore');
    writeFileSync(join(dir, 'hello.txt'), 'hello, world!');
    const args = [
      'verify',
      join(dir, 'hello.txt'),
      '--signature',
      join(fixtures, 'sigstorejs-v03-hashedrekordv002.json'),
    ];
    const r = must(await w.aam(args, dir));
    expect(r.stdout).toMatch(
      /✓ Sigstore signature valid\n {2}Identity: brian@dehamer\.com\n {2}Issued: 2025-.*Z\n {2}Transparency log: https:\/\/log2025-1\.rekor\.sigstore\.dev \(log index 547661\)\n/,
    );
    const json = JSON.parse(must(await w.aam([...args, '--json'], dir)).stdout) as {
      facts: { signatures: { tlog?: Record<string, unknown> }[] };
    };
    expect(json.facts.signatures[0]!.tlog).toEqual({
      log_index: 547661,
      url: 'https://log2025-1.rekor.sigstore.dev',
    });
  });
});

describe('on_signature_failure (SPEC §5) with a real bundle from an untrusted signer', () => {
  let author: string;
  beforeAll(async () => {
    author = project('mallory', {});
    const dir = await w.makePackage('@acme/untrusted', '1.0.0');
    must(
      await w.aam(
        ['pkg', 'publish', dir, '--sign', '--identity-token', emailToken('mallory@evil.org')],
        author,
      ),
    );
  });

  it('warn: installs with a warning naming the signer', async () => {
    const p = project('mode-warn', {
      on_signature_failure: 'warn',
      trusted_identities: ['alice@example.com'],
    });
    const r = must(await w.aam(['install', '@acme/untrusted@1.0.0', '--verify'], p));
    expect(r.stdout).toMatch(/✓ Sigstore signature valid\n {2}Identity: mallory@evil\.org/);
    expect(r.stdout).toMatch(/⚠ .*mallory@evil\.org/);
    expect(existsSync(join(p, '.aam', 'packages', '@acme', 'untrusted'))).toBe(true);
  });

  it('error: refuses (exit 1) and installs nothing', async () => {
    const p = project('mode-error', {
      on_signature_failure: 'error',
      trusted_identities: ['alice@example.com'],
    });
    const before = snapshot(p);
    const r = await w.aam(['install', '@acme/untrusted@1.0.0', '--verify'], p);
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/✗ .*mallory@evil\.org/);
    expect(snapshot(p)).toEqual(before);
  });

  it('ignore: installs without judging signatures', async () => {
    const p = project('mode-ignore', {
      on_signature_failure: 'ignore',
      trusted_identities: ['alice@example.com'],
    });
    must(await w.aam(['install', '@acme/untrusted@1.0.0', '--verify'], p));
    expect(existsSync(join(p, '.aam', 'packages', '@acme', 'untrusted'))).toBe(true);
  });

  it('an invalid bundle in the registry (signed for other bytes) warns under warn and fails under error', async () => {
    const dir = await w.makePackage('@acme/swapped', '1.0.0');
    must(await w.aam(['pkg', 'publish', dir], author));
    // The attacker stores a genuine bundle of alice's, made for some other bytes, beside this archive.
    const other = await bundleFor(Buffer.from('some other archive'), emailToken('alice@example.com'));
    const pkgDir = join(w.registry, 'packages', 'acme--swapped');
    writeFileSync(join(pkgDir, 'versions', '1.0.0.aam.sigstore.json'), other);
    const metaFile = join(pkgDir, 'metadata.yaml');
    writeFileSync(
      metaFile,
      readFileSync(metaFile, 'utf8').replace(
        /signatures: \[\]/,
        'signatures:\n      - type: sigstore\n        file: 1.0.0.aam.sigstore.json\n        identity: alice@example.com',
      ),
    );
    expect(readFileSync(metaFile, 'utf8')).toMatch(/type: sigstore/);
    const trusting = { trusted_identities: ['alice@example.com'] };
    const warnP = project('swapped-warn', { on_signature_failure: 'warn', ...trusting });
    const warned = must(await w.aam(['install', '@acme/swapped@1.0.0', '--verify'], warnP));
    // Under warn the invalid signature is a warning, printed once (on its own line, not again as a reason).
    expect(warned.stdout).toMatch(
      /⚠ Sigstore signature invalid: artifact: the bundle signs another artifact/,
    );
    expect(warned.stdout).not.toContain('✗');
    expect(warned.stdout.match(/the bundle signs another artifact/g)).toHaveLength(1);
    const errP = project('swapped-error', { on_signature_failure: 'error', ...trusting });
    const refused = await w.aam(['install', '@acme/swapped@1.0.0', '--verify'], errP);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(
      /✗ Sigstore signature invalid: artifact: the bundle signs another artifact/,
    );
    expect(refused.stdout.match(/the bundle signs another artifact/g)).toHaveLength(1);
    expect(existsSync(join(errP, '.aam', 'packages', '@acme', 'swapped'))).toBe(false);
  });
});

describe('identity rules that cannot be fooled (SPEC §4), on real certificates', () => {
  const bytes = Buffer.from('artifact for identity checks\n');
  const bundles = new Map<string, Buffer>();
  const bundle = async (key: string, token: string) => {
    if (!bundles.has(key)) bundles.set(key, await bundleFor(bytes, token));
    return bundles.get(key)!;
  };

  it.each([
    ['alice@example.com.evil.org', 'alice@example.com', 1],
    ['ALICE@Example.com', 'alice@example.com', 0],
    ['a@sub.example.com', '*@example.com', 1],
    ['a@example.com', '*@example.com', 0],
    ['a@example.com.evil.org', '*@example.com', 1],
  ])('email %s against %s exits %i', async (email, pattern, code) => {
    const r = await judgeFile(bytes, await bundle(email, emailToken(email)), {
      trusted_identities: [pattern],
    });
    expect({ code: r.code, out: r.stdout }).toMatchObject({ code });
    expect(r.stdout).toMatch(new RegExp(`Identity: ${email.replace(/\./g, '\\.')}`));
  });

  it.each([
    ['github:sig', 1],
    ['github:sigstore', 0],
    ['github:sigstore/cosign', 0],
    ['github:sigstore/cos', 1],
    ['github:sigstore-evil', 1],
  ])('GitHub Actions certificate of sigstore/cosign against %s exits %i', async (pattern, code) => {
    const r = await judgeFile(bytes, await bundle('gh', githubToken('sigstore', 'cosign')), {
      trusted_identities: [pattern],
    });
    expect(r.code).toBe(code);
  });

  it('a GitHub pattern does not match a certificate from another issuer with the same claims', async () => {
    const token = makeIdentityToken({
      iss: 'https://token.actions.githubusercontent.com.evil.org',
      sub: 'repo:sigstore/cosign:ref:refs/heads/main',
      repository: 'sigstore/cosign',
      repository_owner: 'sigstore',
    });
    const r = await judgeFile(bytes, await bundle('gh-evil', token), {
      trusted_identities: ['github:sigstore'],
    });
    expect(r.code).toBe(1);
  });

  it('through the binary: a look-alike email is refused (exit 1), the real one verifies (exit 0)', async () => {
    const evil = await verifyFile(
      bytes,
      await bundle('alice@example.com.evil.org', emailToken('alice@example.com.evil.org')),
      { trusted_identities: ['alice@example.com'] },
    );
    expect(evil.code).toBe(1);
    expect(evil.stdout).toContain('Identity: alice@example.com.evil.org');
    const real = await verifyFile(bytes, await bundle('alice', emailToken('alice@example.com')), {
      trusted_identities: ['alice@example.com'],
    });
    expect(real.code).toBe(0);
    expect(real.stdout).toContain('✓ Identity trusted');
  });

  it('issuer pinning: the right issuer passes, another is refused', async () => {
    const b = await bundle('alice', emailToken('alice@example.com'));
    const ok = await judgeFile(bytes, b, {
      trusted_identities: [{ identity: 'alice@example.com', issuer: EMAIL_ISSUER }],
    });
    expect(ok.code).toBe(0);
    const pinned = await judgeFile(bytes, b, {
      trusted_identities: [{ identity: 'alice@example.com', issuer: 'https://accounts.google.com' }],
    });
    expect(pinned.code).toBe(1);
    expect(pinned.stdout).toMatch(/✗ /);
  });
});

describe('refused with the failing check named', () => {
  const bytes = Buffer.from('artifact for tamper checks\n');
  let good: Buffer;
  type Json = {
    mediaType: string;
    verificationMaterial: {
      tlogEntries: {
        canonicalizedBody: string;
        inclusionPromise?: { signedEntryTimestamp: string };
        inclusionProof?: { hashes?: string[]; rootHash: string; checkpoint: { envelope: string } };
      }[];
      timestampVerificationData?: unknown;
    };
  };
  const mutate = (f: (j: Json) => void): Buffer => {
    const j = JSON.parse(good.toString()) as Json;
    f(j);
    return Buffer.from(JSON.stringify(j));
  };
  const flipB64 = (s: string, at = 10): string => {
    const b = Buffer.from(s, 'base64');
    b[at % b.length] = b[at % b.length]! ^ 0x01;
    return b.toString('base64');
  };
  const trusting = { trusted_identities: ['alice@example.com'] };

  beforeAll(async () => {
    good = await bundleFor(bytes, emailToken('alice@example.com'));
  });

  it('the untampered bundle verifies (control)', async () => {
    const r = await verifyFile(bytes, good, trusting);
    expect(r.code).toBe(0);
  });

  it('a flipped byte in the artifact', async () => {
    const flipped = Buffer.from(bytes);
    flipped[3] = flipped[3]! ^ 1;
    const r = await verifyFile(flipped, good, trusting);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/✗ Sigstore signature invalid: artifact: the bundle signs another artifact/);
  });

  it('a tampered tlog entry body', async () => {
    const r = await judgeFile(
      bytes,
      mutate((j) => {
        const e = j.verificationMaterial.tlogEntries[0]!;
        const body = JSON.parse(Buffer.from(e.canonicalizedBody, 'base64').toString()) as {
          spec: { data: { hash: { value: string } } };
        };
        body.spec.data.hash.value = '0'.repeat(64);
        e.canonicalizedBody = Buffer.from(JSON.stringify(body)).toString('base64');
      }),
      trusting,
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/✗ Sigstore signature invalid: transparency-log: /);
  });

  it('a tampered inclusion proof: an extra sibling hash, or a checkpoint whose root was changed', async () => {
    const extra = await judgeFile(
      bytes,
      mutate((j) => {
        const p = j.verificationMaterial.tlogEntries[0]!.inclusionProof!;
        p.hashes = [...(p.hashes ?? []), Buffer.alloc(32, 7).toString('base64')];
      }),
      trusting,
    );
    expect(extra.code).toBe(1);
    expect(extra.stdout).toMatch(/transparency-log: /);
    const checkpoint = await judgeFile(
      bytes,
      mutate((j) => {
        const p = j.verificationMaterial.tlogEntries[0]!.inclusionProof!;
        const lines = p.checkpoint.envelope.split('\n');
        lines[2] = flipB64(lines[2]!, 3);
        p.checkpoint.envelope = lines.join('\n');
      }),
      trusting,
    );
    expect(checkpoint.code).toBe(1);
    expect(checkpoint.stdout).toMatch(/transparency-log: /);
  });

  it('a tampered signed entry timestamp (SET)', async () => {
    const r = await judgeFile(
      bytes,
      mutate((j) => {
        const p = j.verificationMaterial.tlogEntries[0]!.inclusionPromise!;
        p.signedEntryTimestamp = flipB64(p.signedEntryTimestamp, 20);
      }),
      trusting,
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/transparency-log: .*(SET|TLOG_INCLUSION_PROMISE_ERROR)/);
  });

  it('a bundle from an untrusted root (the public-good root does not know this deployment)', async () => {
    const dir = join(w.root, 'projects', 'public-root');
    mkdirSync(join(dir, '.aam'), { recursive: true });
    writeFileSync(
      join(dir, '.aam', 'config.yaml'),
      stringify({ security: { on_signature_failure: 'error', ...trusting } }),
    );
    writeFileSync(join(dir, 'a.bin'), bytes);
    writeFileSync(join(dir, 'a.sigstore.json'), good);
    const r = await w.aam(['verify', join(dir, 'a.bin'), '--signature', join(dir, 'a.sigstore.json')], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/✗ Sigstore signature invalid: /);
  });

  it('a certificate used outside its validity window (issued after the signing time)', async () => {
    const skewed = await startPrivateSigstore({ caClock: new Date(Date.now() + 3_600_000) });
    try {
      const skewedRoot = join(w.root, 'skewed-root.json');
      await skewed.writeTrustedRoot(skewedRoot);
      const doc = await new SigstoreSigner({
        fulcio_url: skewed.url,
        rekor_url: skewed.url,
        tsa_url: skewed.url,
      }).sign(
        {
          bytes,
          checksum: `sha256:${createHash('sha256').update(bytes).digest('hex')}` as never,
          size: bytes.length,
        },
        { identityToken: emailToken('alice@example.com') },
      );
      const r = await judgeFile(bytes, Buffer.from(doc.bytes), {
        ...trusting,
        sigstore: { trusted_root: skewedRoot },
      });
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/✗ Sigstore signature invalid: certificate: /);
    } finally {
      await skewed.close();
    }
  });

  it('malformed JSON, and a bundle version it does not know', async () => {
    const malformed = await judgeFile(bytes, good.subarray(0, 40), trusting);
    expect(malformed.code).toBe(1);
    expect(malformed.stdout).toMatch(/bundle: malformed bundle JSON/);
    const unknown = await judgeFile(
      bytes,
      mutate((j) => {
        j.mediaType = 'application/vnd.dev.sigstore.bundle.v0.4+json';
      }),
      trusting,
    );
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toMatch(/unknown bundle version/);
  });

  it('--json reports the failing check', async () => {
    const dir = project('json-check', { on_signature_failure: 'error', ...trusting });
    writeFileSync(join(dir, 'a.bin'), Buffer.from('other'));
    writeFileSync(join(dir, 'a.sigstore.json'), good);
    const r = await w.aam(
      ['verify', join(dir, 'a.bin'), '--signature', join(dir, 'a.sigstore.json'), '--json'],
      dir,
    );
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { facts: { signatures: { check?: string; valid: boolean }[] } };
    expect(out.facts.signatures[0]).toMatchObject({ valid: false, check: 'artifact' });
  });
});

describe('browser sign-in (OAuth PKCE, loopback redirect) feeding the private Sigstore', () => {
  let issuer: OidcIssuer;
  beforeAll(async () => {
    issuer = await startOidcIssuer({ email: 'carol@example.com' });
  });
  afterAll(async () => {
    await issuer?.close();
  });

  /** Runs `aam pkg publish --sign` with no token; plays the browser when the sign-in URL appears. */
  function publishWithBrowser(dir: string, cwd: string, browser: (url: string) => Promise<void>) {
    return new Promise<{ code: number; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [AAM_BIN, 'pkg', 'publish', dir, '--sign'], {
        cwd,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', BROWSER: 'none', ...w.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      let played = false;
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        const m = /(https?:\/\/\S+\/authorize\?\S+)/.exec(stderr);
        if (m && !played) {
          played = true;
          browser(m[1]!).catch(reject);
        }
      });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });
  }

  it('signs with the token the browser sign-in returns (PKCE S256, state and nonce checked)', async () => {
    const cwd = project('browser', {
      sigstore: sigstoreSettings({ oidc_issuer: issuer.issuer, oidc_client_id: 'sigstore' }),
    });
    const dir = await w.makePackage('@acme/browser', '1.0.0');
    const r = await publishWithBrowser(dir, cwd, async (url) => {
      const authorize = await fetch(url, { redirect: 'manual' });
      const callback = await fetch(authorize.headers.get('location')!);
      expect(callback.status).toBe(200);
    });
    expect(r.stderr).toMatch(/Open this URL to sign in/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/✓ Package signed with Sigstore\n {2}Identity: carol@example\.com/);
    expect(issuer.lastAuthorizeParams?.get('code_challenge_method')).toBe('S256');
    expect(issuer.lastAuthorizeParams?.get('state')).toBeTruthy();
    expect(issuer.lastAuthorizeParams?.get('nonce')).toBeTruthy();
  });

  it('a callback with the wrong state is answered 400 and ignored; the right one then signs in', async () => {
    const cwd = project('browser-bad-state', {
      sigstore: sigstoreSettings({ oidc_issuer: issuer.issuer, oidc_client_id: 'sigstore' }),
    });
    const dir = await w.makePackage('@acme/badstate', '1.0.0');
    const r = await publishWithBrowser(dir, cwd, async (url) => {
      const authorize = await fetch(url, { redirect: 'manual' });
      const location = new URL(authorize.headers.get('location')!);
      // Another local process sends a callback first, without this login's state: refused, not fatal.
      const forged = new URL(location);
      forged.searchParams.set('state', 'forged');
      expect((await fetch(forged)).status).toBe(400);
      expect((await fetch(new URL('/auth/callback', location))).status).toBe(400);
      // Then the browser's own callback.
      expect((await fetch(location)).status).toBe(200);
    });
    expect(r.stderr).toMatch(
      /Ignored a sign-in callback whose state does not match this login; still waiting/,
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/✓ Package signed with Sigstore\n {2}Identity: carol@example\.com/);
    expect(r.stdout).toMatch(/✓ Published @acme\/badstate@1\.0\.0/);
  });
});
