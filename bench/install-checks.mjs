// Benchmark 10: what the refusals under attack cost on a 30-package install from the HTTP registry.
//   `aam install p1 ... p30` (one command, a fresh project each time) through the real CLI against aam's
//   registry server (SQLite, its own process), whose audit log also holds a history of tag moves;
//   lanes, alternating in each round:
//     default: the default config (the checks that are always on: install directories, bounds, the process
//              lock and install intent, the dry-run staging code);
//     strict, warm: require_audit_log + max_log_age: 24h, with the client's copy of the log kept from an
//              earlier install (the checkpoint's signed time verified, the served metadata compared with the
//              proven log, the new publish proven);
//     strict, cold: the same on a client that has never seen the registry: every entry of the log fetched,
//              folded and proven against the checkpoint before the first package is judged;
//     npm (the peer): `npm install --offline` of 30 local tarballs with the same files;
//     npm from Verdaccio (the target's peer): `npm install` of the same 30 tarballs published to Verdaccio 6 on
//              loopback, a fresh project and a fresh npm cache each time (aam's lanes are fresh projects too).
//   Target: the default lane <= 0.5x npm install from Verdaccio.
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { median } from './lib/measure.mjs';
import { loadCore } from './lib/core.mjs';
import { spawnAamRegistry } from './lib/registry-server.mjs';
import { formatMs, formatRatio, printLines, printSection } from './lib/report.mjs';
import { tarGz } from './lib/tar.mjs';
import { aam, aamEnv, npm, npmEnv } from './lib/tools.mjs';
import { installVerdaccio, startVerdaccio, verdaccioAddUser, verdaccioVersionOf } from './lib/verdaccio.mjs';
import { npmPublishBody } from './registry.mjs';

/** aam install of 30 packages must take at most this fraction of npm install's time from Verdaccio. */
const TARGET_VS_VERDACCIO = 0.5;

export const installChecksSizes = {
  quick: { packages: 30, rounds: 2, historyEntries: 500 },
  full: { packages: 30, rounds: 10, historyEntries: 20_000 },
};

const VERSION = '1.0.0';
const CONCURRENCY = 8;

const name = (i) => `bench-chk-${i}`;

async function request(url, method, path, token, body, headers = {}) {
  const res = await fetch(new URL(path, url), {
    method,
    headers: { authorization: `Bearer ${token}`, ...headers },
    ...(body !== undefined ? { body } : {}),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res;
}

/** Runs `job(i)` for i in [0, n), `CONCURRENCY` at a time. */
async function pool(n, job) {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < n) await job(next++);
    }),
  );
}

/** The 30 packages (aam archives, packed by packPackage) and the same files as npm tarballs. */
export async function makePackages(core, workDir, count) {
  const out = [];
  mkdirSync(join(workDir, 'archives'), { recursive: true });
  mkdirSync(join(workDir, 'tarballs'), { recursive: true });
  for (let i = 1; i <= count; i++) {
    const dir = join(workDir, 'packages', name(i));
    await core.initPackageFlow({ dir, name: name(i), version: VERSION, description: `Package ${i}` });
    writeFileSync(join(dir, 'README.md'), `# ${name(i)}\n\n${'A skill for the benchmark. '.repeat(40)}\n`);
    const packed = await core.packPackage(dir, {
      outDir: join(workDir, 'archives'),
      maxArchiveSize: 50 << 20,
    });
    const files = (await core.collectPackEntries(dir)).map((e) => ({
      path: `package/${e.path}`,
      bytes: readFileSync(e.abs),
    }));
    const pj = { name: name(i), version: VERSION, description: `Package ${i}`, license: 'MIT' };
    files.push({ path: 'package/package.json', bytes: Buffer.from(JSON.stringify(pj, null, 2) + '\n') });
    files.sort((a, b) => a.path.localeCompare(b.path));
    const tarball = join(workDir, 'tarballs', `${name(i)}-${VERSION}.tgz`);
    writeFileSync(tarball, await tarGz(files));
    out.push({ name: name(i), archive: readFileSync(packed.file), tarball });
  }
  return out;
}

/** Publishes the packages, then `history` tag moves (a log with a past: what a cold client reads first). */
export async function fillRegistry(reg, packages, history) {
  await pool(packages.length, async (i) => {
    const form = new FormData();
    form.append('archive', new Blob([packages[i].archive]), 'package.aam');
    await request(
      reg.url,
      'PUT',
      `/api/v1/packages/${packages[i].name}/versions/${VERSION}`,
      reg.adminToken,
      form,
    );
  });
  await pool(history, async (i) => {
    const pkg = packages[i % packages.length].name;
    await request(
      reg.url,
      'PUT',
      `/api/v1/packages/${pkg}/dist-tags/t${i % 7}`,
      reg.adminToken,
      JSON.stringify({ version: VERSION }),
      { 'content-type': 'application/json' },
    );
  });
}

function aamInstall(packages, env, cwd) {
  mkdirSync(cwd, { recursive: true });
  const { ms } = aam(['install', ...packages.map((p) => p.name)], { env, cwd });
  for (const p of packages)
    if (!existsSync(join(cwd, '.aam', 'packages', p.name, 'aam.yaml')))
      throw new Error(`aam install exited 0 but did not install ${p.name} into ${cwd}`);
  return ms;
}

/** `npm install ARGS... SPECS...` in a fresh project; every package must land in node_modules. */
function npmInstallInto(cwd, env, args, specs, packages) {
  mkdirSync(cwd, { recursive: true });
  writeFileSync(join(cwd, 'package.json'), JSON.stringify({ name: 'p', version: '0.0.0', private: true }));
  const { ms } = npm(['install', '--no-audit', '--no-fund', '--ignore-scripts', ...args, ...specs], {
    env,
    cwd,
  });
  for (const p of packages)
    if (!existsSync(join(cwd, 'node_modules', p.name, 'package.json')))
      throw new Error(`npm install exited 0 but did not install ${p.name} into ${cwd}`);
  return ms;
}

/** npm's own lane: the local tarballs, offline, with the shared (warmed) cache. */
function npmInstall(packages, env, cwd) {
  return npmInstallInto(
    cwd,
    env,
    ['--offline'],
    packages.map((p) => p.tarball),
    packages,
  );
}

/** Verdaccio with the 30 tarballs published (npm's protocol); `{ url, version, stop }` or `{ reason }`. */
async function verdaccioWith(workDir, packages) {
  const installed = await installVerdaccio();
  if (!installed.bin) return { reason: installed.reason };
  // Its own directory: the registry benchmark's Verdaccio (same run) already has a user named bench.
  const v = await startVerdaccio({ bin: installed.bin, dir: join(workDir, 'install-checks-verdaccio') });
  if (!v.url) return { reason: v.reason };
  try {
    const token = await verdaccioAddUser(v.url, 'bench', `bench-${Date.now()}`);
    await pool(packages.length, async (i) => {
      const p = packages[i];
      const r = await fetch(`${v.url}/${p.name}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: npmPublishBody(v.url, p.name, VERSION, readFileSync(p.tarball)),
      });
      if (!r.ok) throw new Error(`Verdaccio: publish ${p.name}: ${r.status} ${await r.text()}`);
    });
  } catch (e) {
    await v.stop(); // a server that started is stopped, whatever failed after
    throw e;
  }
  return { ...v, version: verdaccioVersionOf(installed.bin) };
}

/** `npm install NAME...` from Verdaccio into a fresh project, with a fresh cache (nothing local to reuse). */
function npmInstallFromRegistry(packages, cwd, registryUrl) {
  const fresh = `${cwd}-npm-home`;
  mkdirSync(fresh, { recursive: true });
  const env = { ...npmEnv(fresh), npm_config_registry: registryUrl };
  return npmInstallInto(
    cwd,
    env,
    ['--no-package-lock'],
    packages.map((p) => p.name),
    packages,
  );
}

/** A client home with the registry added (its checkpoint key pinned) and `security` settings. */
export function clientHome(dir, url, security) {
  const env = aamEnv(dir);
  aam(['registry', 'add', 'corp', url, '--default'], { env });
  if (security) {
    const file = join(dir, 'config.yaml');
    writeFileSync(file, `${readFileSync(file, 'utf8')}security:\n${security}`);
  }
  return env;
}

const STRICT = '  require_audit_log: true\n  max_log_age: 24h\n';

export async function benchInstallChecks({ workDir, quick }) {
  const {
    packages: count,
    rounds,
    historyEntries,
  } = quick ? installChecksSizes.quick : installChecksSizes.full;
  printSection(
    `Install checks: aam install of ${count} packages from the HTTP registry (log of ~${historyEntries.toLocaleString('en-US')} entries), ${rounds} rounds`,
  );
  const core = await loadCore();
  const packages = await makePackages(core, workDir, count);
  const reg = await spawnAamRegistry({
    storage: join(workDir, 'registry'),
    db: `sqlite:${join(workDir, 'registry', 'registry.db')}`,
  });
  let verdaccio = {};
  try {
    await fillRegistry(reg, packages, historyEntries);
    const defaultEnv = clientHome(join(workDir, 'home-default'), reg.url);
    const warmEnv = clientHome(join(workDir, 'home-strict'), reg.url, STRICT);
    const coldTemplate = join(workDir, 'home-cold-template');
    clientHome(coldTemplate, reg.url, STRICT);
    const npmEnvironment = npmEnv(workDir);
    verdaccio = await verdaccioWith(workDir, packages).catch((e) => ({ reason: e.message }));
    if (verdaccio.reason) console.log(`  (npm from Verdaccio skipped: ${verdaccio.reason})`);
    // Warm-ups (untimed): the warm client builds its copy of the log; npm fills its cache.
    aamInstall(packages, warmEnv, join(workDir, 'projects', 'warmup-strict'));
    npmInstall(packages, npmEnvironment, join(workDir, 'projects', 'warmup-npm'));

    const times = {
      default: [],
      strictWarm: [],
      strictCold: [],
      npm: [],
      ...(verdaccio.url ? { npmVerdaccio: [] } : {}),
    };
    if (verdaccio.url)
      npmInstallFromRegistry(packages, join(workDir, 'projects', 'warmup-verdaccio'), verdaccio.url);
    for (let r = 0; r < rounds; r++) {
      const project = (lane) => join(workDir, 'projects', `${lane}-${r}`);
      times.default.push(aamInstall(packages, defaultEnv, project('default')));
      times.strictWarm.push(aamInstall(packages, warmEnv, project('warm')));
      const coldHome = join(workDir, `home-cold-${r}`);
      cpSync(coldTemplate, coldHome, { recursive: true });
      times.strictCold.push(aamInstall(packages, aamEnv(coldHome), project('cold')));
      times.npm.push(npmInstall(packages, npmEnvironment, project('npm')));
      if (verdaccio.url)
        times.npmVerdaccio.push(npmInstallFromRegistry(packages, project('verdaccio'), verdaccio.url));
    }
    const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
    const ratios = {
      warmVsDefault: m.strictWarm / m.default,
      coldVsDefault: m.strictCold / m.default,
      defaultVsNpm: m.default / m.npm,
      warmVsNpm: m.strictWarm / m.npm,
      ...(m.npmVerdaccio ? { defaultVsVerdaccio: m.default / m.npmVerdaccio } : {}),
    };
    const metVerdaccio =
      ratios.defaultVsVerdaccio !== undefined && ratios.defaultVsVerdaccio <= TARGET_VS_VERDACCIO;
    printLines([
      [`aam install, default config (median of ${rounds})`, formatMs(m.default)],
      [`aam install, strict, client log kept (median of ${rounds})`, formatMs(m.strictWarm)],
      [`aam install, strict, first visit: whole log read (median of ${rounds})`, formatMs(m.strictCold)],
      [`npm install --offline of ${count} tarballs (median of ${rounds})`, formatMs(m.npm)],
      ['cost of the checks: strict warm / default', formatRatio(ratios.warmVsDefault)],
      ['first visit: strict cold / default', formatRatio(ratios.coldVsDefault)],
      ['ratio aam install (default) / npm install', formatRatio(ratios.defaultVsNpm)],
      ['ratio aam install (strict, warm) / npm install', formatRatio(ratios.warmVsNpm)],
      ...(m.npmVerdaccio
        ? [
            [
              `npm install of ${count} packages from Verdaccio ${verdaccio.version}, fresh cache (median of ${rounds})`,
              formatMs(m.npmVerdaccio),
            ],
            [
              'ratio aam install (default) / npm install from Verdaccio',
              `${formatRatio(ratios.defaultVsVerdaccio)} (target <= ${TARGET_VS_VERDACCIO}x: ${metVerdaccio ? 'ok' : 'MISSED'})`,
            ],
          ]
        : []),
    ]);
    const bench = 'install checks';
    return {
      json: { packages: count, rounds, historyEntries, timesMs: times, medianMs: m, ratios },
      summary: [
        ...(m.npmVerdaccio
          ? [
              {
                benchmark: bench,
                measure: `${count}-package install vs npm from Verdaccio`,
                aam: formatMs(m.default),
                peer: `npm install ${formatMs(m.npmVerdaccio)}`,
                ratio: ratios.defaultVsVerdaccio,
                target: `<= ${TARGET_VS_VERDACCIO}x`,
                met: metVerdaccio,
              },
            ]
          : []),
        {
          benchmark: bench,
          measure: `${count}-package install, default config`,
          aam: formatMs(m.default),
          peer: `npm install ${formatMs(m.npm)}`,
          ratio: ratios.defaultVsNpm,
        },
        {
          benchmark: bench,
          measure: `${count}-package install, strict (log kept)`,
          aam: formatMs(m.strictWarm),
          peer: `default config ${formatMs(m.default)}`,
          ratio: ratios.warmVsDefault,
        },
        {
          benchmark: bench,
          measure: `${count}-package install, strict (first visit)`,
          aam: formatMs(m.strictCold),
          peer: `default config ${formatMs(m.default)}`,
          ratio: ratios.coldVsDefault,
        },
      ],
    };
  } finally {
    await verdaccio.stop?.();
    await reg.stop();
  }
}
