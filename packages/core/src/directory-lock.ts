import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { AamError } from './errors.js';

/**
 * Takes an inter-process lock on a directory (`<dir>/<name>`, via proper-lockfile), waiting up to about
 * `waitMs`; LOCK_BUSY says who holds it. Resolves to the release function.
 */
export async function lockDirectory(
  dir: string,
  name: string,
  holder: string,
  waitMs: number,
): Promise<() => Promise<void>> {
  try {
    return await lockfile.lock(dir, {
      lockfilePath: join(dir, name),
      stale: 60_000,
      retries: { retries: Math.ceil(waitMs / 250), factor: 1.2, minTimeout: 20, maxTimeout: 250 },
      // The default handler throws from a timer (an uncaught crash). Every write under these locks is atomic,
      // so a compromised lock only loses the mutual exclusion.
      onCompromised: () => undefined,
    });
  } catch (e) {
    throw new AamError('LOCK_BUSY', `${holder} (${dir}): ${e instanceof Error ? e.message : String(e)}`);
  }
}
