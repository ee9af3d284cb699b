import { statSync } from 'node:fs';
import { Flags } from '@oclif/core';
import { AamError, aamHome, errorChain } from '@aam/core';
import type { UpdateRootResult } from '@aam/plugin-sigstore';
import { AamCommand } from '../../base-command.js';
import { ok } from '../../style.js';

export default class SigstoreUpdateRoot extends AamCommand {
  static override summary =
    "Refresh Sigstore's trusted root through TUF (online), for offline verification later.";
  static override description = `Verification never goes online: it uses security.sigstore.trusted_root when set,
else the root this command last fetched ($AAM_HOME/cache/sigstore/trusted_root.json), else the public-good snapshot
bundled with aam. Run this when online to pick up Sigstore key rotations. The TUF client checks the signed, versioned,
expiring metadata, so a stale or forged root is refused; a failed refresh keeps the previous copy.`;
  static override examples = [
    '<%= config.bin %> sigstore update-root',
    '<%= config.bin %> sigstore update-root --mirror https://tuf.sigstore.corp.example --tuf-root ./root.json',
  ];
  static override flags = {
    mirror: Flags.string({ description: 'TUF mirror URL (default: the public-good CDN)' }),
    'tuf-root': Flags.string({ description: 'initial TUF root.json for a private mirror' }),
  };

  async run() {
    const { flags } = await this.parse(SigstoreUpdateRoot);
    if (flags.mirror && !flags['tuf-root'])
      throw new AamError(
        'USAGE',
        '--mirror needs --tuf-root: the initial root.json that mirror is trusted by',
      );
    if (flags.mirror !== undefined) checkMirror(flags.mirror);
    if (flags['tuf-root'] !== undefined) checkTufRoot(flags['tuf-root']);
    const { updateTrustedRoot } = await import('@aam/plugin-sigstore');
    let r: UpdateRootResult;
    try {
      r = await updateTrustedRoot({
        home: aamHome(),
        ...(flags.mirror ? { mirrorURL: flags.mirror } : {}),
        ...(flags['tuf-root'] ? { tufRoot: flags['tuf-root'] } : {}),
      });
    } catch (e) {
      throw new AamError(
        'TRUST_ROOT_UPDATE_FAILED',
        `Could not refresh the Sigstore trusted root: ${errorChain(e)}`,
      );
    }
    this.log(ok(`Trusted root refreshed from ${r.mirror}`));
    this.log(
      `  ${r.tlogs} transparency logs, ${r.certificateAuthorities} certificate authorities, ${r.timestampAuthorities} timestamp authorities`,
    );
    this.log(`  Saved: ${r.path}`);
    return {
      path: r.path,
      mirror: r.mirror,
      tlogs: r.tlogs,
      certificate_authorities: r.certificateAuthorities,
      timestamp_authorities: r.timestampAuthorities,
    };
  }
}

/** `--mirror` must be an http(s) URL (bad input: exit 2, before anything is fetched). */
function checkMirror(mirror: string): void {
  let url: URL | undefined;
  try {
    url = new URL(mirror);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:'))
    throw new AamError('USAGE', `--mirror ${JSON.stringify(mirror)} is not an http(s) URL`);
}

/** `--tuf-root` must name an existing file (bad input: exit 2). */
function checkTufRoot(path: string): void {
  let isFile: boolean;
  try {
    isFile = statSync(path).isFile();
  } catch {
    throw new AamError('USAGE', `--tuf-root ${path} does not exist`);
  }
  if (!isFile) throw new AamError('USAGE', `--tuf-root ${path} is not a file`);
}
