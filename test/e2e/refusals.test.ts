/**
 * Refusals that hold under attack (through the binary): each class of attack refused with exit 1 (exit 2 for bad
 * input), a reason code in `--json`, and nothing written: not to `.aam/`, not to the lock, not to the registry.
 */
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { must, readText, snapshot, World, type RunResult } from './support/aam.js';

const json = <T = Record<string, unknown>>(r: RunResult): T => JSON.parse(r.stdout) as T;

/** The refusal's code, from `--json`. */
const codeOf = (r: RunResult): string | undefined => json<{ error?: { code?: string } }>(r).error?.code;

/** Runs `args` with `--json` and expects a refusal: the exit code, the reason code, nothing written in `dirs`. */
async function expectRefusal(
  w: World,
  args: string[],
  expected: { exit: 1 | 2; code: string },
  dirs: string[],
  cwd = w.project,
): Promise<RunResult> {
  const before = dirs.map((d) => snapshot(d));
  const r = await w.aam([...args, '--json'], cwd);
  expect({ exit: r.code, code: codeOf(r) }, r.stdout + r.stderr).toEqual(expected);
  expect(dirs.map((d) => snapshot(d))).toEqual(before);
  return r;
}

/**
 * `@acme/tool` in the default registry and `acme--tool` in a second one (one local registry cannot hold both:
 * they share its `scope--name` directory).
 */
async function twoNames(): Promise<World> {
  const a = await new World().withRegistry();
  await a.publish('@acme/tool', '1.0.0', { files: { 'scoped.md': 'scoped\n' } });
  const b = await new World().withRegistry();
  await b.publish('acme--tool', '2.0.0', { files: { 'plain.md': 'plain\n' } });
  must(await a.aam(['registry', 'add', 'other', `file://${b.registry}`]));
  return a;
}

describe('1. names never share an install directory', () => {
  it('@acme/tool and acme--tool install side by side, each in its own directory', async () => {
    const a = await twoNames();
    must(await a.aam(['install', '@acme/tool', 'acme--tool']));
    const pkgs = join(a.project, '.aam', 'packages');
    expect(readText(join(pkgs, '@acme', 'tool', 'scoped.md'))).toBe('scoped\n');
    expect(readText(join(pkgs, 'acme--tool', 'plain.md'))).toBe('plain\n');
    expect(existsSync(join(pkgs, 'acme--tool', 'scoped.md'))).toBe(false);
    must(await a.aam(['verify']));
  });

  it('refuses a name whose directory holds another installed package (an earlier layout), writing nothing', async () => {
    const w = await twoNames();
    must(await w.aam(['install', '@acme/tool@1.0.0']));
    // As an earlier aam left it: the scoped package in `scope--name`.
    const pkgs = join(w.project, '.aam', 'packages');
    renameSync(join(pkgs, '@acme', 'tool'), join(pkgs, 'acme--tool'));
    rmSync(join(pkgs, '@acme'), { recursive: true });
    const r = await expectRefusal(w, ['install', 'acme--tool'], { exit: 1, code: 'NAME_COLLISION' }, [
      join(w.project, '.aam'),
    ]);
    expect(r.stdout).toContain('holds @acme/tool');
    // verify says where it is and what repairs it; install from the lock moves it to its own directory.
    const v = await w.aam(['verify']);
    expect(v.code).toBe(1);
    expect(v.stdout).toMatch(/installed by an earlier aam in .*acme--tool: run 'aam install' to move it/);
    must(await w.aam(['install']));
    expect(existsSync(join(pkgs, '@acme', 'tool', 'aam.yaml'))).toBe(true);
    expect(existsSync(join(pkgs, 'acme--tool'))).toBe(false);
    must(await w.aam(['verify']));
    // Now the unscoped name has a directory of its own.
    must(await w.aam(['install', 'acme--tool']));
    expect(readText(join(pkgs, 'acme--tool', 'plain.md'))).toBe('plain\n');
    expect(readText(join(pkgs, '@acme', 'tool', 'scoped.md'))).toBe('scoped\n');
  });

  it('a local registry refuses a name whose directory another package owns, at publish and at install', async () => {
    const w = await new World().withRegistry();
    await w.publish('@acme/tool', '1.0.0');
    const dir = await w.makePackage('acme--tool', '9.0.0');
    await expectRefusal(w, ['pkg', 'publish', dir], { exit: 1, code: 'NAME_COLLISION' }, [w.registry]);
    // The registry does not have acme--tool: its directory is @acme/tool's.
    await expectRefusal(w, ['install', 'acme--tool'], { exit: 1, code: 'NOT_FOUND' }, [w.project]);
    const meta = parse(readFileSync(join(w.registry, 'packages', 'acme--tool', 'metadata.yaml'), 'utf8'));
    expect(meta.name).toBe('@acme/tool');
  });
});
