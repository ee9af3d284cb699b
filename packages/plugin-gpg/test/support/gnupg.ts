import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ArtifactRef, SignatureDocument, VerifyContext } from '@aam/core';

export interface GpgResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** A throw-away GnuPG home: real `gpg` with an isolated keyring and agent, removed by `dispose()`. */
export interface GnupgHome {
  dir: string;
  /** Environment for child processes (and for `GpgSigner`): GNUPGHOME set, C locale, no AAM_GPG_* variables. */
  env: NodeJS.ProcessEnv;
  /** Runs `gpg --batch ...` (unprotected keys: loopback pinentry with an empty passphrase). */
  gpg(args: string[], input?: Uint8Array | string): GpgResult;
  /** Like `gpg` but throws with gpg's stderr on a non-zero exit. */
  gpgOk(args: string[], input?: Uint8Array | string): GpgResult;
  /** Generates a key with `--quick-gen-key` and returns its primary fingerprint. */
  genKey(uid: string, algo: string, usage: string): string;
  /** Adds a subkey with `--quick-add-key` and returns the new subkey's fingerprint. */
  addSubkey(primary: string, algo: string, usage: string): string;
  /** Primary and subkey fingerprints as `gpg --with-colons --fingerprint --fingerprint` lists them. */
  fingerprints(query: string): { primary: string; subkeys: string[] };
  /** The armored public key, as `gpg --armor --export` writes it. */
  exportPublic(fpr: string): Uint8Array;
  dispose(): void;
}

export function makeGnupgHome(prefix = 'aam-gpg-test-'): GnupgHome {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o700);
  const env: NodeJS.ProcessEnv = { ...process.env, GNUPGHOME: dir, LC_ALL: 'C', LANGUAGE: 'C' };
  delete env.AAM_GPG_KEY_FILE;
  delete env.AAM_GPG_PASSPHRASE;
  delete env.GPG_AGENT_INFO;

  const gpg = (args: string[], input?: Uint8Array | string): GpgResult => {
    const r = spawnSync('gpg', ['--batch', '--pinentry-mode', 'loopback', '--passphrase', '', ...args], {
      env,
      input,
      timeout: 60_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    if (r.error) throw r.error;
    return { status: r.status, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
  };
  const gpgOk = (args: string[], input?: Uint8Array | string): GpgResult => {
    const r = gpg(args, input);
    if (r.status !== 0) throw new Error(`gpg ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    return r;
  };
  const fingerprints = (query: string): { primary: string; subkeys: string[] } => {
    const { stdout } = gpgOk(['--with-colons', '--fingerprint', '--fingerprint', query]);
    let primary = '';
    const subkeys: string[] = [];
    let owner: 'pub' | 'sub' | undefined;
    for (const line of stdout.split('\n')) {
      const f = line.split(':');
      if (f[0] === 'pub' || f[0] === 'sub') owner = f[0];
      else if (f[0] === 'fpr' && owner) {
        if (owner === 'pub') primary = f[9]!;
        else subkeys.push(f[9]!);
        owner = undefined;
      }
    }
    if (!primary) throw new Error(`no key matches ${query}:\n${stdout}`);
    return { primary, subkeys };
  };

  return {
    dir,
    env,
    gpg,
    gpgOk,
    fingerprints,
    genKey(uid, algo, usage) {
      gpgOk(['--quick-gen-key', uid, algo, usage, 'never']);
      return fingerprints(`=${uid}`).primary;
    },
    addSubkey(primary, algo, usage) {
      const before = new Set(fingerprints(primary).subkeys);
      gpgOk(['--quick-add-key', primary, algo, usage, 'never']);
      const added = fingerprints(primary).subkeys.filter((s) => !before.has(s));
      if (added.length !== 1)
        throw new Error(`expected one new subkey on ${primary}, got ${added.join(', ')}`);
      return added[0]!;
    },
    exportPublic(fpr) {
      return new TextEncoder().encode(gpgOk(['--armor', '--export', fpr]).stdout);
    },
    dispose() {
      spawnSync('gpgconf', ['--kill', 'gpg-agent'], { env, timeout: 10_000 });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function artifactOf(bytes: Uint8Array, name = 'pkg-1.0.0.aam'): ArtifactRef {
  return {
    bytes,
    checksum: `sha256:${createHash('sha256').update(bytes).digest('hex')}`,
    size: bytes.length,
    name,
  };
}

export function sigDoc(bytes: Uint8Array | string, source = 'pkg-1.0.0.aam.asc'): SignatureDocument {
  return { source, bytes: typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes };
}

export function ctxWith(...keys: (Uint8Array | string)[]): VerifyContext {
  return { keys: keys.map((k) => (typeof k === 'string' ? new TextEncoder().encode(k) : k)), offline: true };
}
