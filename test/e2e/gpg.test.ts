import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { must, World } from './support/aam.js';

// A throw-away GnuPG home with one Ed25519 signing key, as an author would have.
const GNUPGHOME = mkdtempSync(join(tmpdir(), 'aam-gnupg-'));
let FPR = '';

function gpg(args: string[], input?: string): string {
  return execFileSync('gpg', ['--batch', '--pinentry-mode', 'loopback', '--passphrase', '', ...args], {
    env: { ...process.env, GNUPGHOME },
    encoding: 'utf8',
    input,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

beforeAll(() => {
  chmodSync(GNUPGHOME, 0o700);
  gpg(['--quick-gen-key', 'Author Name <author@example.org>', 'ed25519', 'sign', 'never']);
  FPR = /^fpr:+([0-9A-F]{40}):/m.exec(gpg(['--with-colons', '--fingerprint']))![1]!;
});

afterAll(() => {
  try {
    execFileSync('gpgconf', ['--kill', 'gpg-agent'], { env: { ...process.env, GNUPGHOME } });
  } catch {
    // no agent running
  }
  rmSync(GNUPGHOME, { recursive: true, force: true });
});

function security(w: World, security: Record<string, unknown>): void {
  const file = join(w.home, 'config.yaml');
  const current = existsSync(file) ? parse(readFileSync(file, 'utf8')) : {};
  writeFileSync(file, stringify({ ...current, security }));
}

async function signedWorld(): Promise<World> {
  const w = await new World().withRegistry();
  const dir = await w.makePackage('@author/my-package', '1.0.0');
  const r = must(
    await w.aam(['pkg', 'publish', dir, '--sign', '--sign-type', 'gpg'], w.project, { GNUPGHOME }),
  );
  expect(r.stdout).toContain('✓ Package signed with GPG');
  expect(r.stdout).toContain(`  Key: ${FPR}`);
  expect(r.stdout).toContain('  Signed by: Author Name <author@example.org>');
  return w;
}

describe('GPG signing and verification through the CLI', () => {
  it('publish --sign --sign-type gpg, then install --verify with the key trusted prints the seed lines', async () => {
    const w = await signedWorld();
    const envelope = JSON.parse(
      readFileSync(join(w.registry, 'packages/author--my-package/versions/1.0.0.aam.gpg.json'), 'utf8'),
    );
    expect(envelope).toMatchObject({ type: 'gpg', fingerprint: FPR });
    expect(envelope.signature).toMatch(/^-----BEGIN PGP SIGNATURE-----/);
    // Trust by fingerprint, in any case and with spaces.
    security(w, {
      trusted_keys: [
        FPR.toLowerCase()
          .replace(/(.{4})/g, '$1 ')
          .trim(),
      ],
      on_signature_failure: 'error',
    });
    const r = must(await w.aam(['install', '@author/my-package', '--verify']));
    expect(r.stdout).toMatch(
      new RegExp(
        `✓ Checksum verified: sha256:[0-9a-f]{64}\\n✓ GPG signature valid\\n  Key: ${FPR}\\n  Signed by: Author Name <author@example\\.org>\\n✓ Key trusted\\n`,
      ),
    );
    const lock = parse(readFileSync(join(w.project, '.aam', 'aam-lock.yaml'), 'utf8'));
    expect(lock.packages['@author/my-package'].signatures).toEqual([{ type: 'gpg', fingerprint: FPR }]);
    expect(must(await w.aam(['verify'])).stdout).toContain('✓ GPG signature valid');
    const info = must(await w.aam(['info', '@author/my-package', '--signatures']));
    expect(info.stdout).toMatch(
      new RegExp(
        `Signatures:\\n  - Type: gpg\\n    Key: ${FPR}\\n    Signed by: Author Name <author@example\\.org>\\n    Issued: .+\\n    Status: Valid ✓`,
      ),
    );
  });

  it('an untrusted key follows on_signature_failure: error fails, warn warns, ignore installs', async () => {
    const w = await signedWorld();
    const other = '0123456789ABCDEF0123456789ABCDEF01234567';
    security(w, { require_signature: true, trusted_keys: [other], on_signature_failure: 'error' });
    const failed = await w.aam(['install', '@author/my-package']);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain(`✗ gpg signature by ${FPR} is valid but not trusted by the policy`);
    security(w, { require_signature: true, trusted_keys: [other], on_signature_failure: 'warn' });
    expect(must(await w.aam(['install', '@author/my-package'])).stdout).toContain(
      `⚠ gpg signature by ${FPR} is valid but not trusted`,
    );
    security(w, { require_signature: true, trusted_keys: [other], on_signature_failure: 'ignore' });
    must(await w.aam(['install', '@author/my-package', '--force']));
  });

  it('the untrusted-key reason says which trusted_keys entry would trust it, printed once', async () => {
    const w = await signedWorld();
    security(w, { require_signature: true, trusted_keys: ['0'.repeat(40)], on_signature_failure: 'warn' });
    const r = must(await w.aam(['install', '@author/my-package']));
    expect(r.stdout).toContain(
      `⚠ gpg signature by ${FPR} is valid but not trusted by the policy; to trust it, add its key to security.trusted_keys: ${FPR}`,
    );
    expect(r.stdout.match(/not trusted by the policy/g)).toHaveLength(1);
  });

  it('ignore means signatures are not judged: no ✗ or ⚠ about them, the lock still records what was seen', async () => {
    const w = await signedWorld();
    security(w, { trusted_keys: ['0'.repeat(40)], on_signature_failure: 'ignore' });
    const r = must(await w.aam(['install', '@author/my-package', '--verify']));
    expect(r.stdout).not.toMatch(/[✗⚠]/);
    expect(r.stderr).not.toMatch(/[✗⚠]/);
    const lock = parse(readFileSync(join(w.project, '.aam/aam-lock.yaml'), 'utf8')) as {
      packages: Record<string, { signatures?: unknown[]; signatures_seen?: unknown[] }>;
    };
    expect(JSON.stringify(lock.packages['@author/my-package'])).toContain(FPR);
    // Re-verifying the installed package says nothing about signatures either.
    const v = must(await w.aam(['verify']));
    expect(v.stdout).not.toMatch(/[✗⚠]/);
  });

  it('a key that still signs but is no longer trusted is not called a changed signer', async () => {
    const w = await signedWorld();
    security(w, { require_signature: true, trusted_keys: [FPR], on_signature_failure: 'error' });
    must(await w.aam(['install', '@author/my-package']));
    security(w, { require_signature: true, trusted_keys: ['0'.repeat(40)], on_signature_failure: 'error' });
    const r = await w.aam(['install', '@author/my-package', '--force']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      `@author/my-package@1.0.0 is still signed by ${FPR}, its signer when it was installed, but the policy no longer trusts that signer`,
    );
    expect(r.stdout).not.toContain('no longer signs it');
  });

  it('a fingerprint that only shares the last 16 hex digits is not trusted', async () => {
    const w = await signedWorld();
    security(w, {
      require_signature: true,
      on_signature_failure: 'error',
      trusted_keys: ['F'.repeat(24) + FPR.slice(-16)],
    });
    expect((await w.aam(['install', '@author/my-package'])).code).toBe(1);
  });

  it('a flipped byte in the archive (checksum re-recorded to match) fails the signature', async () => {
    const w = await signedWorld();
    const dir = join(w.registry, 'packages/author--my-package');
    const archive = join(dir, 'versions/1.0.0.aam');
    const bytes = readFileSync(archive);
    bytes[bytes.length - 3]! ^= 0x01;
    writeFileSync(archive, bytes);
    const sum = `sha256:${(await import('node:crypto')).createHash('sha256').update(bytes).digest('hex')}`;
    writeFileSync(
      join(dir, 'metadata.yaml'),
      readFileSync(join(dir, 'metadata.yaml'), 'utf8').replace(
        /checksum: sha256:[0-9a-f]{64}/,
        `checksum: ${sum}`,
      ),
    );
    security(w, { require_signature: true, on_signature_failure: 'error', trusted_keys: [FPR] });
    const r = await w.aam(['install', '@author/my-package']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/✗ GPG signature invalid: .*Signed digest did not match/);
  });

  it('aam verify FILE --signature works on any file with a plain armored signature and --key', async () => {
    const w = new World();
    const file = join(w.root, 'notes.txt');
    writeFileSync(file, 'any file at all\n');
    gpg(['--detach-sign', '--armor', '--output', `${file}.asc`, file]);
    writeFileSync(join(w.root, 'author.asc'), gpg(['--armor', '--export', FPR]));
    security(w, { trusted_keys: [FPR] });
    const ok = must(
      await w.aam(['verify', file, '--signature', `${file}.asc`, '--key', join(w.root, 'author.asc')]),
    );
    expect(ok.stdout).toContain('✓ GPG signature valid');
    expect(ok.stdout).toContain('✓ Key trusted');
    writeFileSync(file, 'any file at all, changed\n');
    const bad = await w.aam([
      'verify',
      file,
      '--signature',
      `${file}.asc`,
      '--key',
      join(w.root, 'author.asc'),
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('✗ GPG signature invalid');
    const nokey = await w.aam(['verify', file, '--signature', `${file}.asc`]);
    expect(nokey.code).toBe(1);
    expect(nokey.stdout).toMatch(/no public key for signing key/);
  });

  it('signing with AAM_GPG_KEY_FILE (OpenPGP.js, no GnuPG involved) is verified by real gpg', async () => {
    const openpgp = await import('openpgp');
    const { privateKey, publicKey } = await openpgp.generateKey({
      type: 'ecc',
      curve: 'ed25519Legacy',
      userIDs: [{ name: 'CI Bot', email: 'ci@example.org' }],
      passphrase: 's3cret',
      format: 'armored',
    });
    const w = await new World().withRegistry();
    writeFileSync(join(w.root, 'ci-key.asc'), privateKey);
    const dir = await w.makePackage('ci-pkg', '1.0.0');
    const r = must(
      await w.aam(['pkg', 'publish', dir, '--sign', '--sign-type', 'gpg'], w.project, {
        AAM_GPG_KEY_FILE: join(w.root, 'ci-key.asc'),
        AAM_GPG_PASSPHRASE: 's3cret',
      }),
    );
    expect(r.stdout).toContain('Signed by: CI Bot <ci@example.org>');
    const envelope = JSON.parse(
      readFileSync(join(w.registry, 'packages/ci-pkg/versions/1.0.0.aam.gpg.json'), 'utf8'),
    );
    const home = mkdtempSync(join(tmpdir(), 'aam-gnupg-verify-'));
    chmodSync(home, 0o700);
    const env = { ...process.env, GNUPGHOME: home };
    execFileSync('gpg', ['--batch', '--import'], {
      env,
      input: publicKey,
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    writeFileSync(join(w.root, 'sig.asc'), envelope.signature);
    // gpg exits 0 only for a good signature; its status lines say whose.
    const verified = execFileSync(
      'gpg',
      [
        '--batch',
        '--status-fd',
        '1',
        '--verify',
        join(w.root, 'sig.asc'),
        join(w.registry, 'packages/ci-pkg/versions/1.0.0.aam'),
      ],
      { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    );
    expect(verified).toMatch(/\[GNUPG:\] GOODSIG [0-9A-F]+ CI Bot <ci@example\.org>/);
    rmSync(home, { recursive: true, force: true });
  });

  it('--sign without --sign-type means Sigstore: in CI with no identity token it fails clearly (exit 1, nothing published)', async () => {
    const w = await new World().withRegistry();
    const r = await w.aam(['pkg', 'publish', await w.makePackage('x', '1.0.0'), '--sign'], w.project, {
      CI: 'true',
      SIGSTORE_ID_TOKEN: '',
      ACTIONS_ID_TOKEN_REQUEST_URL: '',
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no identity token for Sigstore signing in CI: pass --identity-token/);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    expect(parse(readFileSync(join(w.registry, 'index.yaml'), 'utf8')).packages).toEqual([]);
  });
});
