// A registry's operations surface, in-process on SQLite: /healthz, /readyz (the log head verified), /metrics
// (Prometheus text, publishes counted), and behind a reverse proxy: `trustProxy` decides whose
// X-Forwarded-For names the client (rate limits are per client address), never the client itself.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { newTokenSecret, startRegistry, type RunningRegistry } from '../src/index.js';
import {
  buildArchive,
  call,
  createUser,
  expectStatus,
  publish,
} from '../../../test/support/registry-http.js';

const dirs: string[] = [];
const running: RunningRegistry[] = [];
afterAll(async () => {
  for (const r of running) await r.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function start(opts: Partial<Parameters<typeof startRegistry>[0]> = {}) {
  const storage = mkdtempSync(join(tmpdir(), 'aam-ops-'));
  dirs.push(storage);
  const admin = newTokenSecret();
  const r = await startRegistry({ verifiers: [], storage, port: 0, adminToken: admin, ...opts });
  running.push(r);
  return { r, admin, storage };
}

describe('health, readiness and metrics', () => {
  it('/healthz and /readyz answer; /metrics counts requests and publishes and gives the log size', async () => {
    const { r, admin } = await start();
    const user = await createUser(r.url, admin, 'ops');
    expectStatus(
      await publish(r.url, user.token, '@ops/pkg', '1.0.0', await buildArchive('@ops/pkg', '1.0.0')),
      201,
    );
    const refused = await publish(
      r.url,
      'aam_notatoken',
      '@ops/pkg',
      '1.0.1',
      await buildArchive('@ops/pkg', '1.0.1'),
    );
    expect(refused.status).toBe(401);
    expect(await call(r.url, 'GET', '/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } });
    const ready = await call<{ status: string; checks: Record<string, unknown> }>(r.url, 'GET', '/readyz');
    expect(ready.status).toBe(200);
    const size = (await r.db.read((q) => r.audit.head(q))).size;
    expect(ready.body).toEqual({
      status: 'ready',
      checks: { database: { ok: true }, storage: { ok: true }, log_size: size },
    });
    const res = await fetch(new URL('/metrics', r.url));
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/^aam_registry_publishes_total\{status="201"\} 1$/m);
    expect(text).toMatch(/^aam_registry_publishes_total\{status="401"\} 1$/m);
    expect(text).toMatch(
      /^aam_registry_http_requests_total\{method="GET",route="\/readyz",status="200"\} 1$/m,
    );
    expect(text).toContain(`aam_registry_audit_log_entries ${size}\n`);
    expect(text).toMatch(/^aam_registry_process_resident_memory_bytes \d+/m);
    // No route label is the raw URL (no unbounded label values from clients).
    await call(r.url, 'GET', '/api/v1/packages/@ops/pkg');
    expect(await (await fetch(new URL('/metrics', r.url))).text()).toContain('route="/api/v1/packages/:pkg"');
  });

  it('/readyz is 503 with Retry-After when the log head does not verify', async () => {
    const { r } = await start();
    // An insider rewrites the stored checkpoint: the head no longer verifies under the registry's key.
    await r.db.write(async (q) => {
      await q.run(
        "UPDATE audit_state SET checkpoint = replace(checkpoint, 'aam-registry/audit', 'forged/audit') WHERE id = 0",
      );
    });
    const ready = await call<{ code: string; checks: { database: { ok: boolean; error: string } } }>(
      r.url,
      'GET',
      '/readyz',
    );
    expect(ready.status).toBe(503);
    expect(ready.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(ready.body.code).toBe('not_ready');
    expect(ready.body.checks.database.ok).toBe(false);
    expect((await call(r.url, 'GET', '/healthz')).status).toBe(200);
  });
});

describe('behind a reverse proxy', () => {
  const limited = (r: RunningRegistry, xff: string) =>
    call(r.url, 'GET', '/api/v1/packages/@ops/none', { headers: { 'x-forwarded-for': xff } });

  it('without trustProxy a client cannot pick its own address (X-Forwarded-For is ignored)', async () => {
    const { r } = await start({ rateLimit: { other: 3 } });
    for (let i = 0; i < 3; i++) expect((await limited(r, `10.0.0.${i}`)).status).toBe(404);
    const r4 = await limited(r, '10.0.0.99');
    expect(r4.status).toBe(429);
  });

  it('with the proxy trusted, each forwarded client has its own allowance', async () => {
    const { r } = await start({ rateLimit: { other: 3 }, trustProxy: ['127.0.0.1'] });
    for (let i = 0; i < 3; i++) expect((await limited(r, '10.0.0.1')).status).toBe(404);
    expect((await limited(r, '10.0.0.1')).status).toBe(429);
    expect((await limited(r, '10.0.0.2')).status).toBe(404);
  });

  it('a hop count trusts only that many proxies: a client-supplied extra address is not believed', async () => {
    const { r } = await start({ rateLimit: { other: 3 }, trustProxy: 1 });
    // The client sends "X-Forwarded-For: <anything>"; the one proxy appends the client's real address last.
    for (let i = 0; i < 3; i++) expect((await limited(r, `1.2.3.${i}, 10.0.0.7`)).status).toBe(404);
    expect((await limited(r, '9.9.9.9, 10.0.0.7')).status).toBe(429);
  });
});
