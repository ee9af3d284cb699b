/**
 * vitest globalSetup: one throw-away PostgreSQL cluster for the whole run, shared by every test file that needs
 * one (each takes fresh databases from it, `startPostgres()` in test/support/postgres.ts), instead of one
 * cluster per file. A server given in `$AAM_TEST_POSTGRES_URL` is used as it is.
 */
import { startPostgres } from './postgres.js';

export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  if (process.env.AAM_TEST_POSTGRES_URL) return undefined;
  const cluster = await startPostgres();
  // Test workers are forked after this, with this environment: their startPostgres() connects here.
  process.env.AAM_TEST_POSTGRES_URL = cluster.url;
  return async () => {
    delete process.env.AAM_TEST_POSTGRES_URL;
    await cluster.stop();
  };
}
