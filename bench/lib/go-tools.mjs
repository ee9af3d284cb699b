// Go-built peers (cosign, opa): found on the PATH or in $GOBIN / ~/go/bin, else built once with `go install`.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

/** Where `go install` puts binaries. */
function goBin() {
  const r = spawnSync('go', ['env', 'GOBIN', 'GOPATH'], { encoding: 'utf8' });
  if (r.status !== 0) return join(homedir(), 'go', 'bin');
  const [gobin, gopath] = r.stdout.split('\n');
  return gobin || join(gopath || join(homedir(), 'go'), 'bin');
}

/**
 * The path of NAME built from MODULE@VERSION: an existing build is reused (`env` var, then $GOBIN), otherwise it
 * is built with `go install` (minutes, once per machine; the Go build cache keeps it). Returns
 * `{ path, version }` or `{ unavailable: why }`. With `build: false` (the quick smoke run) nothing is built.
 */
export function goTool({ name, module, version, envVar, versionArgs = ['version'] }, { build = true } = {}) {
  const candidates = [process.env[envVar], join(goBin(), name)].filter(Boolean);
  let path = candidates.find((p) => existsSync(p));
  if (!path && !build)
    return { unavailable: `no ${name} built (the full run builds it with go install; or set ${envVar})` };
  if (!path) {
    console.log(`  (building ${name} ${version} with go install, once: a few minutes)`);
    const r = spawnSync('go', ['install', `${module}@${version}`], {
      encoding: 'utf8',
      env: { ...process.env, CGO_ENABLED: '0' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    if (r.status !== 0)
      return { unavailable: `go install ${module}@${version} failed: ${r.stderr.trim().split('\n').pop()}` };
    path = join(goBin(), name);
  }
  const v = spawnSync(path, versionArgs, { encoding: 'utf8' });
  const text = `${v.stdout}\n${v.stderr}`;
  const found = /v?\d+\.\d+\.\d+/.exec(text)?.[0] ?? 'unknown version';
  return { path, version: found };
}

export const COSIGN = {
  name: 'cosign',
  module: 'github.com/sigstore/cosign/v3/cmd/cosign',
  version: 'v3.1.3',
  envVar: 'AAM_BENCH_COSIGN',
};
