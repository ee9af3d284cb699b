import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HttpRegistry, type PackageMetadata } from '@aam/core';
import {
  advanceLogView,
  HttpAuditLogSource,
  servedStateProblems,
  verifyAuditLogHead,
  type AuditLogSource,
  type LogView,
  type VerifiedHead,
} from '@aam/core/audit';
import {
  buildArchive,
  call,
  createUser,
  expectStatus,
  logKey,
  publish,
} from '../../../test/support/registry-http.js';
import { seededRandom, testSeed } from '../../../test/support/seed.js';
import { newTokenSecret, startRegistry, type RunningRegistry } from '../src/index.js';
import { builtinVerifiers } from './support/plugins.js';

/**
 * The client's copy of the log (`advanceLogView`) replays the registry's rules for versions, yanks and tags: on a
 * real registry, after any sequence of publishes, approvals, rejections, yanks and tag moves, what the registry
 * serves and what its log says agree exactly. Anything else would refuse honest registries, or let a lying one
 * through. And a registry that serves other entries than its checkpoint signs is caught.
 */
const open: RunningRegistry[] = [];
afterAll(async () => {
  for (const r of open) await r.close();
});

async function serve(requireApproval: boolean) {
  const admin = newTokenSecret();
  const r = await startRegistry({
    verifiers: await builtinVerifiers(),
    storage: mkdtempSync(join(tmpdir(), 'aam-log-view-')),
    port: 0,
    adminToken: admin,
    requireApproval,
  });
  open.push(r);
  return { url: r.url, admin };
}

/** Verifies the registry's checkpoint (a fresh client state each time) and brings `view` up to it. */
async function advance(
  url: string,
  view: LogView | undefined,
): Promise<{ view: LogView; head: VerifiedHead }> {
  const registry = new HttpRegistry('corp', url);
  const source = new HttpAuditLogSource(registry);
  const head = await verifyAuditLogHead({
    registry: 'corp',
    vkey: (await logKey(url)).vkey,
    source,
    env: { AAM_HOME: mkdtempSync(join(tmpdir(), 'aam-log-view-home-')) },
  });
  return { view: await advanceLogView(view, head, source), head };
}

// `constructor`: a name (and a tag) that a plain object would answer from Object.prototype.
const PACKAGES = ['@p/a', 'constructor', '@p/c'];
const TAGS = ['latest', 'beta', 'constructor'];

describe("the client's view of the log agrees with what an honest registry serves", () => {
  for (const requireApproval of [false, true]) {
    it(`after a random sequence of changes (${requireApproval ? 'with' : 'without'} approval)`, async () => {
      const seed = testSeed(`log view parity (approval ${requireApproval})`, requireApproval ? 7 : 3);
      const random = seededRandom(seed).next;
      const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)]!;
      const { url, admin } = await serve(requireApproval);
      const alice = (await createUser(url, admin, 'alice')).token;
      const published = new Map<string, string[]>(PACKAGES.map((p) => [p, []]));
      const ops: Record<string, number> = {};
      let view: LogView | undefined;
      let checks = 0;
      const compare = async () => {
        ({ view } = await advance(url, view));
        const client = new HttpRegistry('corp', url);
        for (const p of PACKAGES) {
          const meta = await client.metadata(p);
          const logged = view.packages[p];
          if (!meta || meta.hidden) {
            // Nothing served: the log holds no approved version of it either.
            const approved = Object.values(logged?.versions ?? {}).filter((v) => v.status === 'approved');
            expect(approved, `${p} (seed ${seed})`).toEqual([]);
            continue;
          }
          expect(servedStateProblems(meta, logged), `${p} (seed ${seed})`).toEqual([]);
          checks++;
        }
      };

      for (let step = 0; step < 75; step++) {
        const name = pick(PACKAGES);
        const versions = published.get(name)!;
        const op =
          versions.length === 0 ? 'publish' : pick(['publish', 'decide', 'yank', 'unyank', 'tag', 'untag']);
        const version = versions.length ? pick(versions) : '';
        let status = 0;
        switch (op) {
          case 'publish': {
            const v = `1.${versions.length}.0`;
            status = (await publish(url, alice, name, v, await buildArchive(name, v), { tag: pick(TAGS) }))
              .status;
            versions.push(v);
            break;
          }
          case 'decide':
            status = (
              await call(url, 'POST', `/api/v1/packages/${name}/versions/${version}/approvals`, {
                token: admin,
                json: { decision: random() < 0.7 ? 'approve' : 'reject' },
              })
            ).status;
            break;
          case 'yank':
          case 'unyank':
            status = (
              await call(
                url,
                op === 'yank' ? 'PUT' : 'DELETE',
                `/api/v1/packages/${name}/versions/${version}/yank`,
                {
                  token: alice,
                  ...(op === 'yank' ? { json: {} } : {}),
                },
              )
            ).status;
            break;
          case 'tag':
            status = (
              await call(url, 'PUT', `/api/v1/packages/${name}/dist-tags/${pick(TAGS)}`, {
                token: alice,
                json: { version },
              })
            ).status;
            break;
          case 'untag':
            status = (
              await call(url, 'DELETE', `/api/v1/packages/${name}/dist-tags/${pick(TAGS)}`, { token: alice })
            ).status;
            break;
        }
        // Refusals (a tag on a yanked version, a decision on a decided one) write nothing: still compared.
        expect(status, `${op} ${name}@${version} (seed ${seed})`).toBeLessThan(500);
        if (status < 300) ops[op] = (ops[op] ?? 0) + 1;

        if (step % 15 === 14) await compare();
      }
      // Every version still waiting approved at last (a decided one refuses: 409), and compared once more.
      for (const [name, versions] of published)
        for (const version of versions)
          await call(url, 'POST', `/api/v1/packages/${name}/versions/${version}/approvals`, {
            token: admin,
            json: { decision: 'approve' },
          });
      await compare();
      // The sequence did exercise the rules (not only publishes), and the comparison ran.
      expect(Object.keys(ops).length, JSON.stringify(ops)).toBeGreaterThanOrEqual(4);
      expect(checks).toBeGreaterThan(0);
    });
  }
});

describe('servedStateProblems names each way the served metadata departs from the log', () => {
  it('a tag moved back, a yank hidden, a version hidden or invented, a checksum changed', async () => {
    const { url, admin } = await serve(false);
    const alice = (await createUser(url, admin, 'alice')).token;
    for (const v of ['1.0.0', '1.1.0', '1.2.0'])
      expectStatus(await publish(url, alice, 'x', v, await buildArchive('x', v)), 201);
    expectStatus(
      await call(url, 'PUT', '/api/v1/packages/x/versions/1.2.0/yank', { token: alice, json: {} }),
      200,
    );
    const { view } = await advance(url, undefined);
    const honest = (await new HttpRegistry('corp', url).metadata('x'))!;
    const state = view.packages.x;
    expect(servedStateProblems(honest, state)).toEqual([]);

    const lie = (change: (m: PackageMetadata) => void): string[] => {
      const m = structuredClone(honest);
      change(m);
      return servedStateProblems(m, state);
    };
    expect(lie((m) => (m.dist_tags.latest = '1.0.0'))).toEqual([
      "tag 'latest' of x is served as 1.0.0, but the log sets it to 1.2.0",
    ]);
    expect(lie((m) => (m.versions.find((v) => v.version === '1.2.0')!.yanked = false))).toEqual([
      'x@1.2.0 is served as not yanked, but the log yanked it',
    ]);
    expect(lie((m) => (m.versions = m.versions.filter((v) => v.version !== '1.1.0')))).toEqual([
      'x@1.1.0 is in the log but the registry does not serve it',
    ]);
    expect(lie((m) => m.versions.push({ ...m.versions[0]!, version: '9.9.9', yanked: false }))).toEqual([
      'x@9.9.9 is served, but the log has no approved publish of it',
    ]);
    const other = `sha256:${'0'.repeat(64)}`;
    expect(lie((m) => (m.versions[0]!.checksum = other as never))).toEqual([
      `x@1.0.0 is served with ${other}, but the log published ${honest.versions[0]!.checksum}`,
    ]);
    expect(lie((m) => (m.dist_tags.evil = '1.0.0'))).toEqual([
      "tag 'evil' of x is served as 1.0.0, but the log sets it to (none)",
    ]);
  });
});

describe('advanceLogView takes only the entries the checkpoint signs', () => {
  it('an entry left out, changed, or served out of order is AUDIT_ENTRY_MISMATCH; a kept view advances', async () => {
    const { url, admin } = await serve(false);
    const alice = (await createUser(url, admin, 'alice')).token;
    for (const v of ['1.0.0', '1.1.0'])
      expectStatus(await publish(url, alice, 'x', v, await buildArchive('x', v)), 201);
    const first = await advance(url, undefined);
    const registry = new HttpRegistry('corp', url);
    const honest = new HttpAuditLogSource(registry);
    const tampered = (
      change: (page: { index: number; bytes: Uint8Array }[]) => { index: number; bytes: Uint8Array }[],
    ): AuditLogSource =>
      Object.assign(Object.create(honest) as AuditLogSource, {
        entriesFrom: async (start: number, limit: number) => change(await honest.entriesFrom(start, limit)),
      });
    const expectMismatch = async (source: AuditLogSource, why: RegExp) =>
      expect(advanceLogView(undefined, first.head, source)).rejects.toMatchObject({
        code: 'AUDIT_ENTRY_MISMATCH',
        message: expect.stringMatching(why),
      });
    // An entry left out, the rest renumbered so that the page still looks whole.
    await expectMismatch(
      tampered((page) =>
        page[0]?.index === 0 ? page.filter((_, i) => i !== 1).map((e, i) => ({ ...e, index: i })) : page,
      ),
      /do not make the tree/,
    );
    await expectMismatch(
      tampered((page) =>
        page.map((e, i) =>
          // One byte more: a space after the JSON, which parses the same.
          i === 1 ? { ...e, bytes: Buffer.concat([e.bytes, Buffer.from(' ')]) } : e,
        ),
      ),
      /do not make the tree/,
    );
    await expectMismatch(
      tampered((page) => [page[1]!, page[0]!, ...page.slice(2)]),
      /served entry 1 where 0 was due/,
    );
    // A kept view is advanced with only the entries it lacks.
    expectStatus(await publish(url, alice, 'x', '1.2.0', await buildArchive('x', '1.2.0')), 201);
    let asked = 0;
    const counting = Object.assign(Object.create(honest) as AuditLogSource, {
      entriesFrom: async (start: number, limit: number) => {
        asked++;
        expect(start).toBe(first.view.range.size);
        return honest.entriesFrom(start, limit);
      },
    });
    const head = await verifyAuditLogHead({
      registry: 'corp',
      vkey: (await logKey(url)).vkey,
      source: honest,
      env: { AAM_HOME: mkdtempSync(join(tmpdir(), 'aam-log-view-home-')) },
    });
    const next = await advanceLogView(first.view, head, counting);
    expect(asked).toBe(1);
    expect(Object.keys(next.packages.x!.versions)).toEqual(['1.0.0', '1.1.0', '1.2.0']);
    expect(next.packages.x!.tags.latest).toBe('1.2.0');
  });
});
