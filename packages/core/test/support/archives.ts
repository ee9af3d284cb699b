import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';

export interface RawEntry {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'character-device' | 'block-device' | 'fifo';
  linkname?: string;
  content?: string | Buffer;
  mode?: number;
}

export const MANIFEST = [
  'name: "@evil/pkg"',
  'version: 1.0.0',
  'description: hostile test package',
  'artifacts:',
  '  skills:',
  '    - {name: s, path: skills/s, description: d}',
  '',
].join('\n');

/** The entries of a well-formed package, to which a test adds one hostile entry. */
export const BASE: RawEntry[] = [
  { name: 'aam.yaml', content: MANIFEST },
  { name: 'skills/s/SKILL.md', content: '# s\n' },
];

/** Builds a raw (possibly hostile) tar, bypassing every check the packer would make. */
export async function rawTar(entries: RawEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of pack) chunks.push(c as Buffer);
  })();
  for (const e of entries) {
    const type = e.type ?? 'file';
    const body = e.content === undefined ? undefined : Buffer.from(e.content);
    const header = {
      name: e.name,
      type,
      mode: e.mode ?? (type === 'directory' ? 0o755 : 0o644),
      ...(e.linkname !== undefined ? { linkname: e.linkname } : {}),
      ...(type === 'character-device' || type === 'block-device' ? { devmajor: 1, devminor: 3 } : {}),
      size: body?.length ?? 0,
    };
    await new Promise<void>((resolve, reject) => {
      const s = pack.entry(header, body ?? Buffer.alloc(0), (err) => (err ? reject(err) : resolve()));
      void s;
    });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

export async function rawArchive(entries: RawEntry[]): Promise<Buffer> {
  return gzipSync(await rawTar(entries));
}
