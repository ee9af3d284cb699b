import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { AamError } from '../errors.js';

const run = promisify(execFile);

/** The OPA release the policies are built and tested with; the prebuilt WASM comes from it. */
export const OPA_VERSION = 'v1.22.3';
export const OPA_INSTALL_HINT = `install it with: CGO_ENABLED=0 go install github.com/open-policy-agent/opa@${OPA_VERSION} (or run 'bash scripts/install-opa.sh'), or point AAM_OPA at the binary`;

/** `$AAM_OPA`, else `opa` on the PATH, else `$GOPATH/bin/opa` (where `go install` puts it). */
export function findOpa(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.AAM_OPA) return existsSync(env.AAM_OPA) ? env.AAM_OPA : undefined;
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, 'opa'))) return join(dir, 'opa');
  }
  const gopath = env.GOPATH ?? join(homedir(), 'go');
  const fromGo = join(gopath, 'bin', 'opa');
  return existsSync(fromGo) ? fromGo : undefined;
}

export function requireOpa(why: string, env: NodeJS.ProcessEnv = process.env): string {
  const opa = findOpa(env);
  if (!opa)
    throw new AamError(
      'OPA_MISSING',
      `The 'opa' binary is needed ${why} but was not found: ${OPA_INSTALL_HINT}`,
    );
  return opa;
}

const versions = new Map<string, string>();

/** `opa version`'s first line, e.g. `Version: 1.22.3` (part of every cache key). */
export async function opaVersion(opa: string): Promise<string> {
  let v = versions.get(opa);
  if (v === undefined) {
    const { stdout } = await run(opa, ['version'], { timeout: 30_000 });
    v = stdout.split('\n')[0]?.trim() ?? '';
    versions.set(opa, v);
  }
  return v;
}

/** One problem in a Rego file as OPA reports it (`file:line: rego_xxx_error: message`). */
export interface RegoProblem {
  file: string;
  line: number;
  kind: string;
  message: string;
}

export function parseOpaErrors(stderr: string): RegoProblem[] {
  const out: RegoProblem[] = [];
  // "error: load error: 1 error occurred during loading: f.rego:7: rego_parse_error: ..." or one per line.
  for (const m of stderr.matchAll(/(?:^|\s)([^\s:]+\.rego):(\d+): (rego_[a-z_]+): (.*)$/gm)) {
    out.push({ file: m[1]!, line: Number(m[2]), kind: m[3]!, message: m[4]! });
  }
  return out;
}

/** Runs `opa build -t wasm`; a Rego error becomes INVALID_POLICY naming file and line (exit 2). */
export async function opaBuildWasm(opts: {
  opa: string;
  files: string[];
  entrypoints: string[];
  capabilities: string;
  output: string;
  /** Working directory: relative file names keep absolute paths out of the WASM (reproducible builds). */
  cwd?: string;
}): Promise<void> {
  const args = ['build', '-t', 'wasm', '--capabilities', opts.capabilities, '-o', opts.output];
  for (const e of opts.entrypoints) args.push('-e', e);
  args.push(...opts.files);
  try {
    await run(opts.opa, args, {
      timeout: 300_000,
      maxBuffer: 16 << 20,
      ...(opts.cwd ? { cwd: opts.cwd } : {}),
    });
  } catch (e) {
    const err = e as { stderr?: string; stdout?: string; killed?: boolean; message: string };
    if (err.killed) throw new AamError('POLICY_ERROR', 'opa build timed out after 300 s');
    // opa prints its errors on stdout or stderr depending on the command and version: read both.
    const output = `${err.stderr ?? ''}\n${err.stdout ?? ''}`.trim();
    const problems = parseOpaErrors(output);
    if (problems.length > 0) {
      const lines = problems.map((p) => `${p.file}:${p.line}: ${p.kind}: ${p.message}`);
      throw new AamError(
        'INVALID_POLICY',
        lines.length === 1 ? lines[0]! : `Policy errors:\n  ${lines.join('\n  ')}`,
        { problems },
      );
    }
    throw new AamError('POLICY_ERROR', `opa build failed: ${output || err.message}`);
  }
}

/** `opa parse` of one module: its package path without the leading `data`; a syntax error names file and line. */
export async function opaParsePackage(opa: string, file: string): Promise<string[]> {
  let stdout: string;
  try {
    ({ stdout } = await run(opa, ['parse', '--format', 'json', file], {
      timeout: 60_000,
      maxBuffer: 64 << 20,
    }));
  } catch (e) {
    const err = e as { stderr?: string; stdout?: string; message: string };
    const output = `${err.stdout ?? ''}\n${err.stderr ?? ''}`.trim();
    const problems = [...parseJsonErrors(err.stdout, file), ...parseJsonErrors(err.stderr, file)];
    if (problems.length === 0) problems.push(...parseOpaErrors(output));
    if (problems.length > 0) {
      const lines = problems.map((p) => `${p.file}:${p.line}: ${p.kind}: ${p.message}`);
      throw new AamError('INVALID_POLICY', lines.join('\n'), { problems });
    }
    throw new AamError('INVALID_POLICY', `${file}: cannot be parsed: ${output || err.message}`);
  }
  const ast = JSON.parse(stdout) as { package?: { path?: { value: string }[] } };
  return (ast.package?.path ?? []).slice(1).map((t) => t.value);
}

/** `--format json` errors: {errors: [{message, code, location: {file, row}}]}; anything else gives none. */
function parseJsonErrors(text: string | undefined, file: string): RegoProblem[] {
  if (!text?.trim().startsWith('{')) return [];
  try {
    const parsed = JSON.parse(text) as {
      errors?: { message: string; code: string; location?: { file?: string; row?: number } }[];
    };
    return (parsed.errors ?? []).map((x) => ({
      file: x.location?.file ?? file,
      line: x.location?.row ?? 0,
      kind: x.code,
      message: x.message,
    }));
  } catch {
    return [];
  }
}
