// Builds and drives the Go interop helper (test/interop/go/main.go, golang.org/x/mod/sumdb/{note,tlog}).
// Reusable by any test that wants Go's verdict on audit-log data:
//   const bin = await buildGoInterop();
//   const out = await runGo(bin, 'note-open', { note, vkeys: [vkey] });
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The Go module of the helper. */
export const GO_INTEROP_DIR = join(dirname(fileURLToPath(import.meta.url)), 'go');

/** Whether a `go` toolchain is on PATH, and if not, why. */
export function goToolchain(): { ok: true; version: string } | { ok: false; reason: string } {
  const r = spawnSync('go', ['version'], { encoding: 'utf8', timeout: 30_000 });
  if (r.error) return { ok: false, reason: `'go version' failed: ${r.error.message}` };
  if (r.status !== 0) return { ok: false, reason: `'go version' exited ${r.status}: ${r.stderr.trim()}` };
  return { ok: true, version: r.stdout.trim() };
}

let built: Promise<string> | undefined;

/**
 * Builds the helper once per process into a temporary directory and returns the binary's path. Uses the default
 * GOCACHE and module cache, so after one `go mod download` (in test/interop/go) it builds offline in about a
 * second. Rejects with Go's output if the build fails (5-minute limit for a cold cache).
 */
export function buildGoInterop(): Promise<string> {
  built ??= new Promise<string>((resolve, reject) => {
    const bin = join(mkdtempSync(join(tmpdir(), 'aam-go-interop-')), 'tlog-interop');
    // -mod=readonly: never touch go.mod/go.sum (a missing module fails instead of being fetched and added);
    // -buildvcs=false: no git stamping (the checkout may be a worktree, a tarball or owned by someone else).
    const child = spawn('go', ['build', '-mod=readonly', '-buildvcs=false', '-o', bin, '.'], {
      cwd: GO_INTEROP_DIR,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 300_000,
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve(bin);
      else
        reject(new Error(`go build in ${GO_INTEROP_DIR} failed (${signal ?? `exit ${code}`}):\n${output}`));
    });
  });
  return built;
}

/** Runs one sub-command of the helper with `input` as JSON on stdin; resolves to its parsed JSON output. */
export function runGo(bin: string, cmd: string, input: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, [cmd], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`tlog-interop ${cmd} exited ${code}: ${err.trim()}`));
      try {
        resolve(JSON.parse(Buffer.concat(out).toString('utf8')));
      } catch (e) {
        reject(new Error(`tlog-interop ${cmd} printed invalid JSON: ${(e as Error).message}`));
      }
    });
    child.stdin.on('error', () => {}); // reported through the exit code
    child.stdin.end(JSON.stringify(input));
  });
}
