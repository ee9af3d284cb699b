// Refreshes trusted-root/public-good.json from the TUF seed that @sigstore/tuf ships (its embedded
// trusted_root.json target). Run by hand when Sigstore rotates keys; the result is committed.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const seedsFile = join(dirname(require.resolve('@sigstore/tuf/package.json')), 'seeds.json');
const seeds = JSON.parse(readFileSync(seedsFile, 'utf8'));
const target = seeds['https://tuf-repo-cdn.sigstore.dev'].targets['trusted_root.json'];
const root = JSON.parse(Buffer.from(target, 'base64').toString('utf8'));
const out = join(here, '..', 'trusted-root', 'public-good.json');
writeFileSync(out, JSON.stringify(root, null, 2) + '\n');
process.stdout.write(
  `wrote ${out} (${root.tlogs.length} tlogs, ${root.certificateAuthorities.length} CAs)\n`,
);
