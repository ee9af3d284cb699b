// Archives built in memory, with the header fields packPackage (`aam pkg pack`) writes.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** tar-stream is what @aam/core packs with: resolve it the way core does. */
const tar = createRequire(fileURLToPath(new URL('../../packages/core/package.json', import.meta.url)))(
  'tar-stream',
);

/** A gzipped tar of `files` ([{ path, bytes }], sorted by path), with packPackage's header fields. */
export function tarGz(files) {
  return new Promise((resolve, reject) => {
    const pack = tar.pack();
    const chunks = [];
    pack.on('data', (c) => chunks.push(c));
    pack.on('error', reject);
    pack.on('end', () => resolve(gzipSync(Buffer.concat(chunks), { level: 9 })));
    const common = { uid: 0, gid: 0, uname: '', gname: '', mtime: new Date(0), type: 'file', mode: 0o644 };
    for (const f of files) pack.entry({ ...common, name: f.path, size: f.bytes.length }, f.bytes);
    pack.finalize();
  });
}
