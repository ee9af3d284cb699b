// Benchmark 2: pack, publish and install many small packages through the real `aam` CLI, one
// process per command, against a local (directory) registry; then `aam install` vs `npm install`
// of an equivalent local tarball, each into a fresh project directory.
import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { median } from './lib/measure.mjs';
import { loadCore } from './lib/core.mjs';
import { aam, aamEnv, npm, npmEnv } from './lib/tools.mjs';
import { formatMs, formatRatio, printLines, printSection } from './lib/report.mjs';

export const pipelineSizes = {
  quick: { packages: 6, peerRuns: 3 },
  full: { packages: 200, peerRuns: 20 },
};

const VERSION = '1.0.0';

function packageName(i) {
  return `bench-pkg-${i}`;
}

/** A private AAM_HOME with a fresh local registry set as the default; returns the registry's name. */
function setUpRegistry(workDir, env) {
  const registryDir = join(workDir, 'bench-registry');
  aam(['registry', 'init', registryDir, '--default'], { env });
  return basename(registryDir);
}

/** `aam pkg init` (in-process, the same flow the command runs) plus a README and a second skill file. */
async function createPackage(initPackageFlow, dir, name) {
  await initPackageFlow({ dir, name, version: VERSION });
  writeFileSync(
    join(dir, 'README.md'),
    `# ${name}\n\nA benchmark package.\n\n${'Lorem ipsum dolor sit amet. '.repeat(20)}\n`,
  );
  writeFileSync(
    join(dir, 'skills', name, 'examples.md'),
    `# Examples for ${name}\n\n${'- Ask it to do something useful.\n'.repeat(30)}`,
  );
}

function packTimed(pkgDir, archiveDir, env) {
  const { ms, stdout } = aam(['pkg', 'pack', pkgDir, '--output', archiveDir, '--json'], { env });
  return { ms, archive: JSON.parse(stdout).file };
}

function publishTimed(archive, registry, env) {
  return aam(['pkg', 'publish', archive, '--registry', registry], { env }).ms;
}

function aamInstallTimed(name, projectDir, env) {
  const { ms } = aam(['install', name], { env, cwd: projectDir });
  if (!existsSync(join(projectDir, '.aam', 'packages', name, 'aam.yaml'))) {
    throw new Error(`aam install ${name} exited 0 but did not install it into ${projectDir}`);
  }
  return ms;
}

/** Packs, publishes and installs each package through the CLI; returns the per-step times. */
async function benchAamPipeline({ workDir, count, env, registry }) {
  const { initPackageFlow } = await loadCore();
  const archiveDir = join(workDir, 'archives');
  const projectDir = join(workDir, 'aam-project');
  mkdirSync(archiveDir, { recursive: true });
  mkdirSync(projectDir, { recursive: true });

  const times = { pack: [], publish: [], install: [], total: [] };
  for (let i = 1; i <= count; i++) {
    const name = packageName(i);
    await createPackage(initPackageFlow, join(workDir, 'packages', name), name);
    const pack = packTimed(join(workDir, 'packages', name), archiveDir, env);
    const publish = publishTimed(pack.archive, registry, env);
    const install = aamInstallTimed(name, projectDir, env);
    times.pack.push(pack.ms);
    times.publish.push(publish);
    times.install.push(install);
    times.total.push(pack.ms + publish + install);
  }
  return times;
}

/** The same files as the aam package, plus a package.json, packed with `npm pack`; returns the tarball. */
function createNpmTarball(aamPackageDir, npmDir, tarballDir, name, env) {
  cpSync(aamPackageDir, npmDir, { recursive: true });
  writeFileSync(
    join(npmDir, 'package.json'),
    JSON.stringify({ name, version: VERSION, description: `The ${name} package`, license: 'MIT' }, null, 2) +
      '\n',
  );
  const { ms, stdout } = npm(['pack', '--pack-destination', tarballDir, '--ignore-scripts', '--json'], {
    env,
    cwd: npmDir,
  });
  return { ms, tarball: join(tarballDir, JSON.parse(stdout)[0].filename) };
}

function freshNpmProject(dir) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: basename(dir), version: '0.0.0', private: true }),
  );
  return dir;
}

function npmInstallTimed(tarball, name, projectDir, env) {
  const args = [
    'install',
    '--no-audit',
    '--no-fund',
    '--offline',
    '--prefer-offline',
    '--ignore-scripts',
    tarball,
  ];
  const { ms } = npm(args, { env, cwd: projectDir });
  if (!existsSync(join(projectDir, 'node_modules', name, 'package.json'))) {
    throw new Error(`npm install ${tarball} exited 0 but did not install ${name} into ${projectDir}`);
  }
  return ms;
}

/** Alternates npm install of a local tarball and aam install of the published package, each into a fresh dir. */
function benchInstallVsNpm({ workDir, runs, env }) {
  const npmEnvironment = npmEnv(workDir);
  const tarballDir = join(workDir, 'npm-tarballs');
  mkdirSync(tarballDir, { recursive: true });

  const times = { npmPack: [], npmInstall: [], aamInstall: [] };
  for (let i = 1; i <= runs; i++) {
    const name = packageName(i);
    const npmPackage = join(workDir, 'npm-packages', name);
    const packed = createNpmTarball(
      join(workDir, 'packages', name),
      npmPackage,
      tarballDir,
      name,
      npmEnvironment,
    );
    times.npmPack.push(packed.ms);

    const npmProject = freshNpmProject(join(workDir, 'npm-projects', `p${i}`));
    times.npmInstall.push(npmInstallTimed(packed.tarball, name, npmProject, npmEnvironment));

    const aamProject = join(workDir, 'aam-projects', `p${i}`);
    mkdirSync(aamProject, { recursive: true });
    times.aamInstall.push(aamInstallTimed(name, aamProject, env));
  }
  return times;
}

export async function benchPackPublishInstall({ workDir, quick }) {
  const { packages, peerRuns } = quick ? pipelineSizes.quick : pipelineSizes.full;
  printSection(`Pack + publish + install: ${packages} packages via the aam CLI; ${peerRuns} installs vs npm`);

  const env = aamEnv(join(workDir, 'aam-home'));
  const registry = setUpRegistry(workDir, env);
  const pipeline = await benchAamPipeline({ workDir, count: packages, env, registry });
  const peer = benchInstallVsNpm({ workDir, runs: peerRuns, env });

  const medians = {
    pack: median(pipeline.pack),
    publish: median(pipeline.publish),
    install: median(pipeline.install),
    total: median(pipeline.total),
    npmPack: median(peer.npmPack),
    freshAamInstall: median(peer.aamInstall),
    freshNpmInstall: median(peer.npmInstall),
  };
  const ratios = {
    installVsNpm: medians.freshAamInstall / medians.freshNpmInstall,
    packVsNpm: medians.pack / medians.npmPack,
  };

  printLines([
    [`aam pkg pack (median of ${packages})`, formatMs(medians.pack)],
    [`aam pkg publish (median of ${packages})`, formatMs(medians.publish)],
    [`aam install, one project (median of ${packages})`, formatMs(medians.install)],
    [`pack + publish + install per package`, formatMs(medians.total)],
    [`npm pack (median of ${peerRuns})`, formatMs(medians.npmPack)],
    [`aam install, fresh project (median of ${peerRuns})`, formatMs(medians.freshAamInstall)],
    [`npm install tarball, fresh project (median of ${peerRuns})`, formatMs(medians.freshNpmInstall)],
    ['ratio aam install / npm install', formatRatio(ratios.installVsNpm)],
    ['ratio aam pkg pack / npm pack', formatRatio(ratios.packVsNpm)],
  ]);

  const bench = 'pack/publish/install';
  return {
    json: { packages, peerRuns, timesMs: { pipeline, installVsNpm: peer }, medianMs: medians, ratios },
    summary: [
      {
        benchmark: bench,
        measure: `pack, per package (n=${packages})`,
        aam: formatMs(medians.pack),
        peer: `npm pack ${formatMs(medians.npmPack)}`,
        ratio: ratios.packVsNpm,
      },
      { benchmark: bench, measure: `publish, per package (n=${packages})`, aam: formatMs(medians.publish) },
      { benchmark: bench, measure: `install, per package (n=${packages})`, aam: formatMs(medians.install) },
      { benchmark: bench, measure: `total, per package (n=${packages})`, aam: formatMs(medians.total) },
      {
        benchmark: bench,
        measure: `install into fresh project (n=${peerRuns})`,
        aam: formatMs(medians.freshAamInstall),
        peer: `npm ${formatMs(medians.freshNpmInstall)}`,
        ratio: ratios.installVsNpm,
      },
    ],
  };
}
