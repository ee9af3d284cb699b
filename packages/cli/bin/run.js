#!/usr/bin/env node
// `aam --version` answers here, with the line oclif prints (name/version platform-arch node-version), without
// loading the CLI: a version check in CI costs a bare node start. Everything else runs the bundled CLI
// (scripts/bundle-cli.mjs), which loads only the command it runs.
// Where oclif prints another platform or arch (wsl on WSL, x86 for ia32), oclif answers.
const plainVersion = async () =>
  process.argv.length === 3 &&
  process.argv[2] === '--version' &&
  process.arch !== 'ia32' &&
  (process.platform !== 'linux' || !(await import('node:os')).release().toLowerCase().includes('microsoft'));
if (await plainVersion()) {
  const { readFileSync } = await import('node:fs');
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(
    `${pkg.name}/${pkg.version} ${process.platform}-${process.arch} node-${process.version}\n`,
  );
} else {
  await import('../bundle/main.js');
}
