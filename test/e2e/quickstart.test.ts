/**
 * The README's five-minute quickstart, run as written: the block between `<!-- quickstart -->` markers, in a fresh
 * directory with its own AAM_HOME and GnuPG home. Only three things are adapted: the build (CI has built before the
 * tests run), the checkout's path, and the port (a free one). If the README or the CLI changes so that a step no
 * longer works, this fails.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO } from './support/aam.js';

const run = promisify(execFile);

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((ok) => s.listen(0, '127.0.0.1', () => ok()));
  const { port } = s.address() as { port: number };
  await new Promise<void>((ok) => s.close(() => ok()));
  return port;
}

describe('README quickstart', () => {
  it('runs step by step as written', async () => {
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    const block = /<!-- quickstart -->\n```bash\n([\s\S]*?)```\n<!-- \/quickstart -->/.exec(readme)?.[1];
    expect(block, 'the README has a quickstart block').toBeDefined();
    const steps = block!.split('\n').filter((l) => /^# \d\./.test(l));
    expect(steps.length).toBeGreaterThanOrEqual(6);
    const port = await freePort();
    const script = block!
      .replace('bash scripts/bootstrap.sh >/dev/null', 'true # built by CI before the tests')
      .replace('$PWD/packages/cli/bin', `${REPO}/packages/cli/bin`)
      .replace(/^PORT=\d+$/m, `PORT=${port}`);
    expect(script).toContain(`PORT=${port}`);
    const dir = mkdtempSync(join(tmpdir(), 'aam-quickstart-'));
    const gnupg = join(dir, '.gnupg');
    mkdirSync(gnupg, { mode: 0o700 });
    const { stdout } = await run(
      'bash',
      [
        '-c',
        `set -euo pipefail\ntrap 'kill $(jobs -p) 2>/dev/null; gpgconf --kill gpg-agent 2>/dev/null || true' EXIT\n${script}`,
      ],
      {
        cwd: dir,
        env: {
          PATH: process.env.PATH,
          HOME: dir,
          AAM_HOME: join(dir, '.aam'),
          GNUPGHOME: gnupg,
          NO_COLOR: '1',
        },
        timeout: 120_000,
      },
    );
    expect(stdout).toContain("✓ Published @me/hello@1.0.0 to 'corp'");
    expect(stdout).toMatch(
      /✓ GPG signature valid\n {2}Key: [0-9A-F]{40}\n {2}Signed by: Me <me@example\.org>\n✓ Key trusted\n/,
    );
    expect(stdout).toContain('✓ Installed @me/hello@1.0.0');
    expect(stdout).toMatch(/admin package\.publish 1\.0\.0\n✓ 1 entry verified against checkpoint \d+/);
    expect(stdout).toMatch(/\d+ checks: 0 failed/);
  });
});
