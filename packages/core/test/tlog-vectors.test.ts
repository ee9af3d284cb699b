// The transparency-dev/merkle proof vectors (testdata/inclusion and testdata/consistency, 196 files, Apache-2.0):
// every happy path must verify and every `wantErr` case must be refused.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AamError } from '../src/errors.js';
import { verifyConsistency, verifyInclusion } from '../src/tlog/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures/tlog-vectors');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((d) =>
      d.isDirectory() ? files(join(dir, d.name)) : d.name.endsWith('.json') ? [join(dir, d.name)] : [],
    )
    .sort();
}

// Go marshals nil slices as null; Go's base64 of an empty slice is "".
const b64 = (s: string | null): Buffer => Buffer.from(s ?? '', 'base64');
const hashes = (l: (string | null)[] | null): Buffer[] => (l ?? []).map(b64);

interface InclusionVector {
  leafIdx: number;
  treeSize: number;
  root: string | null;
  leafHash: string | null;
  proof: (string | null)[] | null;
  desc: string;
  wantErr: boolean;
}
interface ConsistencyVector {
  size1: number;
  size2: number;
  root1: string | null;
  root2: string | null;
  proof: (string | null)[] | null;
  desc: string;
  wantErr: boolean;
}

const inclusion = files(join(root, 'inclusion')).map((f) => ({
  name: relative(root, f),
  v: JSON.parse(readFileSync(f, 'utf8')) as InclusionVector,
}));
const consistency = files(join(root, 'consistency')).map((f) => ({
  name: relative(root, f),
  v: JSON.parse(readFileSync(f, 'utf8')) as ConsistencyVector,
}));

function outcome(run: () => void): 'ok' | string {
  try {
    run();
    return 'ok';
  } catch (e) {
    if (!(e instanceof AamError)) throw e; // only coded refusals count
    return e.code;
  }
}

describe('transparency-dev/merkle proof vectors', () => {
  it('finds all 196 vector files, with both happy paths and refusals', () => {
    const all = [...inclusion, ...consistency];
    expect(inclusion.length).toBe(98);
    expect(consistency.length).toBe(98);
    expect(all.length).toBe(196);
    expect(all.filter((x) => !x.v.wantErr).length).toBe(12);
    expect(all.every((x) => typeof x.v.wantErr === 'boolean')).toBe(true);
  });

  it.each(inclusion)('inclusion $name', ({ v }) => {
    const got = outcome(() =>
      verifyInclusion(v.leafIdx, v.treeSize, b64(v.leafHash), hashes(v.proof), b64(v.root)),
    );
    expect(got, v.desc).toBe(v.wantErr ? 'AUDIT_LOG_INCLUSION_FAILED' : 'ok');
  });

  it.each(consistency)('consistency $name', ({ v }) => {
    const got = outcome(() =>
      verifyConsistency(v.size1, v.size2, hashes(v.proof), b64(v.root1), b64(v.root2)),
    );
    expect(got, v.desc).toBe(v.wantErr ? 'AUDIT_LOG_BAD_PROOF' : 'ok');
  });
});
