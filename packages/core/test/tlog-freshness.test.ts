import { describe, expect, it } from 'vitest';
import {
  addSignedTime,
  CompactRange,
  cosignatureKeyId,
  generateNoteKey,
  leafHash,
  MemoryNodeStore,
  openCheckpoint,
  parseSignerKey,
  parseVerifierKey,
  signCheckpoint,
  signedTime,
} from '../src/index.js';

const ORIGIN = 'fresh.example/audit';

describe('CompactRange: the right edge of a tree proves appended entries', () => {
  it('gives the RFC 6962 root of every size up to 130, appending one entry at a time, and survives a save', () => {
    let range = CompactRange.empty();
    const store = new MemoryNodeStore();
    expect(range.root().equals(store.root(0))).toBe(true);
    for (let n = 1; n <= 130; n++) {
      const entry = Buffer.from(`entry ${n}`);
      range.append(entry);
      store.append(leafHash(entry));
      expect(range.root().equals(store.root(n)), `size ${n}`).toBe(true);
      if (n % 7 === 0) {
        const saved = range.save();
        range = CompactRange.restore(saved.size, saved.nodes);
      }
    }
  });

  it('refuses a stored form that does not describe a tree of its size', () => {
    const r = CompactRange.empty();
    for (let i = 0; i < 5; i++) r.append(Buffer.from([i]));
    const saved = r.save();
    expect(() => CompactRange.restore(6, saved.nodes)).toThrow(/does not describe/);
    expect(() => CompactRange.restore(5, [...saved.nodes].reverse())).toThrow(/does not describe/);
    // Heights that add up only by the grace of floating point (2 ** -5000 is 0), or are not whole numbers.
    const [big, small] = saved.nodes as [{ hash: string; height: number }, { hash: string; height: number }];
    for (const extra of [-5000, 0.5, 60, Number.NaN])
      expect(() => CompactRange.restore(5, [big, small, { hash: small.hash, height: extra }])).toThrow(
        /does not describe/,
      );
    expect(() => CompactRange.restore(-1, [])).toThrow(/does not describe/);
  });
});

describe('signed time on a checkpoint (C2SP tlog-cosignature format, the checkpoint key as type 0x04)', () => {
  const key = generateNoteKey(ORIGIN);
  const signer = parseSignerKey(key.skey);
  const verifier = parseVerifierKey(key.vkey);
  const note = signCheckpoint({ origin: ORIGIN, size: 3, root: Buffer.alloc(32, 1) }, signer);

  it('round-trips the time, and the note still opens with the checkpoint key alone', () => {
    const stamped = addSignedTime(note, signer, 1_800_000_000);
    expect(signedTime(stamped, verifier)?.toISOString()).toBe(new Date(1_800_000_000_000).toISOString());
    expect(openCheckpoint(stamped, verifier, ORIGIN).checkpoint.size).toBe(3);
    expect(signedTime(note, verifier)).toBeUndefined();
    // Of two, the latest counts.
    const twice = addSignedTime(stamped, signer, 1_800_000_100);
    expect(signedTime(twice, verifier)?.getTime()).toBe(1_800_000_100_000);
  });

  it('refuses a time that was changed, and ignores one by another key', () => {
    const stamped = addSignedTime(note, signer, 1_800_000_000);
    const line = stamped.trimEnd().split('\n').at(-1)!;
    const blob = Buffer.from(line.split(' ')[2]!, 'base64');
    blob.writeBigUInt64BE(1_900_000_000n, 4);
    const forged = stamped.replace(line, `— ${ORIGIN} ${blob.toString('base64')}`);
    expect(() => signedTime(forged, verifier)).toThrow(/does not verify/);
    const other = parseSignerKey(generateNoteKey(ORIGIN).skey);
    expect(signedTime(addSignedTime(note, other, 1_900_000_000), verifier)).toBeUndefined();
  });

  it('refuses a validly signed time past the year 9999 (no date holds it), and will not sign one', () => {
    const time = 2n ** 62n;
    const text = note.slice(0, note.lastIndexOf('\n\n') + 1);
    const blob = Buffer.alloc(76);
    blob.writeUInt32BE(cosignatureKeyId(verifier) >>> 0, 0);
    blob.writeBigUInt64BE(time, 4);
    blob.set(signer.sign(Buffer.from(`cosignature/v1\ntime ${time}\n${text}`, 'utf8')), 12);
    const far = `${note}— ${ORIGIN} ${blob.toString('base64')}\n`;
    expect(() => signedTime(far, verifier)).toThrow(/does not verify/);
    expect(() => addSignedTime(note, signer, 253_402_300_800)).toThrow(/whole seconds/);
    expect(signedTime(addSignedTime(note, signer, 253_402_300_799), verifier)?.getUTCFullYear()).toBe(9999);
  });
});
