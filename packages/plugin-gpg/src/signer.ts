import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import type * as openpgp from 'openpgp';
import { openpgpModule } from './openpgp-lazy.js';
import {
  AamError,
  registerSecret,
  type ArtifactRef,
  type SignatureDocument,
  type Signer,
  type SignOptions,
} from '@aam/core/plugin';
import { normalizeFingerprint, type GpgEnvelope } from './envelope.js';

const run = promisify(execFile);

export interface GpgSignOptions extends SignOptions {
  /** Key to sign with (fingerprint or anything `gpg --local-user` takes); default: GnuPG's default key. */
  gpgKey?: string;
  env?: NodeJS.ProcessEnv;
}

async function bytesOf(artifact: ArtifactRef): Promise<Uint8Array> {
  if (artifact.bytes) return artifact.bytes;
  if (artifact.path) return new Uint8Array(readFileSync(artifact.path));
  throw new AamError('USAGE', 'nothing to sign: the artifact has no bytes');
}

/** Runs gpg with the bytes on stdin; resolves stdout. gpg-agent, pinentry and smartcards all work as usual. */
function gpgWithStdin(args: string[], input: Uint8Array, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('gpg', args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    // gpg may exit before reading its input (unknown key): the write then fails with EPIPE, and the exit
    // code, reported below with gpg's own message, is the error that matters.
    child.stdin.on('error', () => undefined);
    child.on('close', (code) =>
      code === 0
        ? resolve(out)
        : reject(
            new AamError('SIGNING_FAILED', `gpg ${args.join(' ')} failed: ${err.trim() || `exit ${code}`}`),
          ),
    );
    child.stdin.end(input);
  });
}

async function gpgAvailable(env: NodeJS.ProcessEnv): Promise<boolean> {
  try {
    await run('gpg', ['--version'], { env, timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

function envelope(signature: string, key: openpgp.PublicKey): SignatureDocument {
  const doc: GpgEnvelope = {
    type: 'gpg',
    fingerprint: normalizeFingerprint(key.getFingerprint()),
    signature,
    public_key: key.armor(),
  };
  return {
    source: 'gpg',
    declaredType: 'gpg',
    bytes: new TextEncoder().encode(JSON.stringify(doc, null, 2) + '\n'),
  };
}

/**
 * Signs with the user's GnuPG (`gpg --detach-sign --armor`), or, when `AAM_GPG_KEY_FILE` names an armored secret
 * key (CI, machines without GnuPG), with OpenPGP.js. Either way the result is AAM's envelope (SPEC §7).
 */
export class GpgSigner implements Signer {
  readonly type = 'gpg';

  async sign(artifact: ArtifactRef, opts: GpgSignOptions): Promise<SignatureDocument> {
    try {
      return await this.signOnce(artifact, opts);
    } catch (e) {
      if (e instanceof AamError) throw e;
      throw new AamError(
        'SIGNING_FAILED',
        `GPG signing failed: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
  }

  private async signOnce(artifact: ArtifactRef, opts: GpgSignOptions): Promise<SignatureDocument> {
    const pgp = await openpgpModule();
    const env = opts.env ?? process.env;
    const data = await bytesOf(artifact);
    if (env.AAM_GPG_KEY_FILE)
      return this.signWithKeyFile(data, env.AAM_GPG_KEY_FILE, env.AAM_GPG_PASSPHRASE, opts.gpgKey);
    if (!(await gpgAvailable(env))) {
      throw new AamError(
        'SIGNING_FAILED',
        'GPG signing needs GnuPG (gpg on the PATH) or an armored secret key in AAM_GPG_KEY_FILE (passphrase in AAM_GPG_PASSPHRASE)',
      );
    }
    // A binary-document signature: a text-mode one would also verify with other line endings (and is refused).
    const args = ['--batch', '--yes', '--no-textmode', '--detach-sign', '--armor', '--output', '-'];
    if (opts.gpgKey) args.push('--local-user', opts.gpgKey);
    const signature = await gpgWithStdin(args, data, env);
    // The key that really signed (the issuer fingerprint in the signature), exported for the envelope.
    const sig = await pgp.readSignature({ armoredSignature: signature });
    const issuer = sig.packets[0]?.issuerFingerprint;
    const keyId = issuer ? Buffer.from(issuer).toString('hex') : sig.getSigningKeyIDs()[0]!.toHex();
    const { stdout } = await run('gpg', ['--batch', '--armor', '--export', keyId], { env, timeout: 30_000 });
    if (!stdout.trim())
      throw new AamError('SIGNING_FAILED', `gpg could not export the public key ${keyId.toUpperCase()}`);
    return envelope(signature, (await pgp.readKey({ armoredKey: stdout })).toPublic());
  }

  private async signWithKeyFile(
    data: Uint8Array,
    file: string,
    passphrase: string | undefined,
    wanted?: string,
  ): Promise<SignatureDocument> {
    registerSecret(passphrase);
    const pgp = await openpgpModule();
    let key: openpgp.PrivateKey;
    try {
      key = await pgp.readPrivateKey({ armoredKey: readFileSync(file, 'utf8') });
      if (!key.isDecrypted()) {
        if (!passphrase) throw new Error('the key is protected: set AAM_GPG_PASSPHRASE');
        key = await pgp.decryptKey({ privateKey: key, passphrase });
      }
    } catch (e) {
      throw new AamError(
        'SIGNING_FAILED',
        `Cannot use the key in AAM_GPG_KEY_FILE (${file}): ${e instanceof Error ? e.message : String(e)}`,
      );
    }
    if (wanted && !keyMatches(key, wanted)) {
      throw new AamError(
        'SIGNING_FAILED',
        `AAM_GPG_KEY_FILE holds key ${normalizeFingerprint(key.getFingerprint())} (${key.getUserIDs().join(', ')}), not ${wanted}`,
      );
    }
    const signature = (await pgp.sign({
      message: await pgp.createMessage({ binary: data }),
      signingKeys: key,
      detached: true,
      format: 'armored',
    })) as string;
    return envelope(signature, key.toPublic());
  }
}

/** Whether --gpg-key names this key as gpg's --local-user would: fingerprint or key ID (of the key or a
 *  subkey, optional 0x), or part of a user ID. */
function keyMatches(key: openpgp.PrivateKey, wanted: string): boolean {
  const hex = normalizeFingerprint(wanted).replace(/^0X/, '');
  if (/^([0-9A-F]{16}|[0-9A-F]{40}|[0-9A-F]{64})$/.test(hex)) {
    // A key ID is whatever OpenPGP says it is (the end of a v4 fingerprint, the start of a v6 one).
    return key
      .getKeys()
      .some(
        (k) => normalizeFingerprint(k.getFingerprint()) === hex || k.getKeyID().toHex().toUpperCase() === hex,
      );
  }
  const needle = wanted.replace(/^<|>$/g, '').toLowerCase();
  return needle.length > 2 && key.getUserIDs().some((uid) => uid.toLowerCase().includes(needle));
}
