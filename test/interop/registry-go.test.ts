import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry, type RunningRegistry } from '../../packages/registry-server/src/index.js';
import { buildGoInterop, goToolchain, runGo } from './go-tool.js';

/**
 * The live registry's audit log checked by Go's golang.org/x/mod/sumdb/{note,tlog}: its signed checkpoint opens
 * with note.Open under the key GET /api/v1/keys publishes, tlog.ParseTree reads it, Go's TreeHash over the served
 * entry bytes gives the same root, and every inclusion and consistency proof the server serves passes Go's
 * CheckRecord / CheckTree.
 */
const go = goToolchain();
const required = process.env.AAM_REQUIRE_GO_INTEROP === '1';
const skip = !go.ok && !required;
if (skip) process.stderr.write(`registry Go interop skipped: ${go.ok ? '' : go.reason}\n`);

let reg: RunningRegistry;
let admin = '';

async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(`${reg.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json', ...init.headers },
  });
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

describe.skipIf(skip)("the live registry's audit log, verified by Go's sumdb packages", () => {
  let bin: string;
  beforeAll(async () => {
    bin = await buildGoInterop();
    reg = await startRegistry({
      verifiers: [],
      storage: mkdtempSync(join(tmpdir(), 'aam-go-reg-')),
      port: 0,
    });
    admin = reg.adminToken!;
    // Start-up writes 3 entries (admin, checkpoint key, attestation key); each new user two more: 3 + 2·29 = 61.
    for (let i = 0; i < 29; i++)
      await api('/api/v1/users', { method: 'POST', body: JSON.stringify({ name: `user${i}` }) });
  }, 300_000);
  afterAll(async () => {
    await reg?.close();
  });

  it('checkpoint, root, inclusion and consistency proofs all pass Go', async () => {
    const keys = await api<{ keys: { vkey: string; origin: string }[] }>('/api/v1/keys');
    const vkey = keys.keys[0]!.vkey;
    const note = await (await fetch(`${reg.url}/api/v1/audit/checkpoint`)).text();
    const opened = (await runGo(bin, 'checkpoint-open', { note, vkeys: [vkey] })) as {
      ok: boolean;
      size: number;
      root: string;
      text: string;
    };
    expect(opened.ok).toBe(true);
    expect(opened.text).toBe(keys.keys[0]!.origin);
    const size = opened.size;
    expect(size).toBe(61);

    const bodies: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: { index: number; body: string }[]; next_cursor: string | null } = await api(
        `/api/v1/audit/entries?limit=200${cursor ? `&cursor=${cursor}` : ''}`,
      );
      for (const e of page.items) {
        expect(e.index).toBe(bodies.length);
        bodies.push(Buffer.from(e.body, 'utf8').toString('base64'));
      }
      cursor = page.next_cursor;
    } while (cursor);
    expect(bodies).toHaveLength(size);

    const inclusion = [];
    for (let i = 0; i < size; i++) {
      const p = await api<{ hashes: string[] }>(`/api/v1/audit/proof/inclusion?index=${i}&tree_size=${size}`);
      inclusion.push({ index: i, size, proof: p.hashes });
    }
    const consistency = [];
    for (const old of [1, 2, 3, 7, 8, 13, 32, 33, 60, 61]) {
      const p = await api<{ hashes: string[] }>(`/api/v1/audit/proof/consistency?from=${old}&to=${size}`);
      consistency.push({ size1: old, size2: size, proof: p.hashes });
    }
    const out = (await runGo(bin, 'tree', {
      records: bodies,
      sizes: [size],
      inclusion: [],
      consistency: [],
      checkInclusion: inclusion,
      checkConsistency: consistency,
    })) as {
      roots: string[];
      checkInclusion: { ok: boolean; error?: string }[];
      checkConsistency: { ok: boolean }[];
    };
    expect(out.roots[0]).toBe(opened.root);
    expect(out.checkInclusion.filter((v) => !v.ok)).toEqual([]);
    expect(out.checkInclusion).toHaveLength(size);
    expect(out.checkConsistency.every((v) => v.ok)).toBe(true);

    // And Go refuses a proof the server did not make (one hash flipped).
    const bad = inclusion[5]!;
    const flipped = Buffer.from(bad.proof[0]!, 'base64');
    flipped[0] = flipped[0]! ^ 1;
    const refused = (await runGo(bin, 'tree', {
      records: bodies,
      sizes: [],
      inclusion: [],
      consistency: [],
      checkInclusion: [{ ...bad, proof: [flipped.toString('base64'), ...bad.proof.slice(1)] }],
      checkConsistency: [],
    })) as { checkInclusion: { ok: boolean }[] };
    expect(refused.checkInclusion[0]!.ok).toBe(false);
  });
});
