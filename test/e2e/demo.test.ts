import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from './support/aam.js';

describe('the README demo', () => {
  it('packs, publishes, installs with verification and refuses a tampered archive', () => {
    const r = spawnSync('bash', [join(REPO, 'scripts/demo.sh')], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('✓ Published @author/my-package@1.0.0');
    expect(r.stdout).toContain('✓ Package signed with GPG');
    expect(r.stdout).toMatch(
      /✓ Checksum verified: sha256:[0-9a-f]{64}\n✓ GPG signature valid\n {2}Key: [0-9A-F]{40}\n {2}Signed by: Author Name <author@example\.org>\n✓ Key trusted\nInstalling\.\.\.\n✓ Installed @author\/my-package@1\.0\.0/,
    );
    expect(r.stdout).toContain('Status: Valid ✓');
    expect(r.stdout).toContain('✓ @author/my-package@1.0.0: 2 files ok');
    expect(r.stderr).toContain('ERROR: Checksum verification failed');
    expect(r.stdout).toMatch(/✓ Demo complete/);
  });
});
