// Bundles the CLI with esbuild into packages/cli/bundle/: one entry per command (oclif loads only the command it
// runs, through the manifest), the start-up entry (oclif itself), the hooks, and the chunks they share.
// Start-up is dominated by module resolution and loading (about 1,400 files for `aam verify`); a bundle reads a
// handful. Native and optional modules stay outside (better-sqlite3, pg's native binding), as do files read at run
// time (the policies, the trusted root, the precompiled validators, the secrets rules): every `import.meta.url` in
// our sources is rewritten to the URL its module has in its package's dist/ (the package found at run time by
// Node's resolution), so those paths resolve as they did, in the workspace or installed.
//   node scripts/bundle-cli.mjs [--metafile FILE]
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(repo, 'packages', 'cli');
const outdir = join(cli, 'bundle');
const packagesDir = join(repo, 'packages');

function jsFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? jsFiles(join(dir, e.name)) : e.name.endsWith('.js') ? [join(dir, e.name)] : [],
  );
}

const entryPoints = [
  { in: join(cli, 'dist', 'main.js'), out: 'main' },
  ...['commands', 'hooks'].flatMap((d) =>
    jsFiles(join(cli, 'dist', d)).map((f) => ({
      in: f,
      out: relative(join(cli, 'dist'), f).slice(0, -'.js'.length).split(sep).join('/'),
    })),
  ),
];

/** The package (its name and root) a file of packages/<dir>/ belongs to. */
function packageOf(file) {
  const rel = relative(packagesDir, file).split(sep);
  const root = join(packagesDir, rel[0]);
  return { name: JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).name, root };
}

/**
 * `import.meta.url` in a module of ours: the URL that module has in its package's dist/, found at run time from
 * where Node resolves that package (beside the CLI in the workspace, under its node_modules once installed).
 */
const keepModuleUrl = {
  name: 'keep-module-url',
  setup(b) {
    b.onLoad({ filter: /[\\/]packages[\\/][^\\/]+[\\/]dist[\\/].*\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (!source.includes('import.meta.url')) return undefined;
      const pkg = packageOf(args.path);
      const sub = relative(pkg.root, args.path).split(sep).join('/');
      return {
        contents: source.replaceAll(
          'import.meta.url',
          `__aamModuleUrl(${JSON.stringify(pkg.name)}, ${JSON.stringify(sub)})`,
        ),
        loader: 'js',
      };
    });
  },
};

const outputs = join(outdir);
rmSync(outputs, { recursive: true, force: true });
const result = await build({
  entryPoints,
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // ESM builds first: a CommonJS module imported dynamically would expose only its default export in a split bundle.
  mainFields: ['module', 'main'],
  chunkNames: 'chunks/[name]-[hash]',
  // Every output file knows the CLI package's root from its own URL (bundle/ or bundle/x/y/ or bundle/chunks/).
  // Every output file finds the packages its modules came from: the CLI's own root from its own URL (bundle/,
  // bundle/x/y/ or bundle/chunks/), the others through Node's resolution from there (cached process-wide).
  banner: {
    js: [
      "import { createRequire as __aamCreateRequire } from 'node:module';",
      "import { fileURLToPath as __aamFileURLToPath, pathToFileURL as __aamPathToFileURL } from 'node:url';",
      "import { dirname as __aamDirname, join as __aamJoin } from 'node:path';",
      "import { readFileSync as __aamReadFileSync } from 'node:fs';",
      'const require = __aamCreateRequire(import.meta.url);',
      // write-file-atomic names its temporary files after its own module file.
      'const __filename = __aamFileURLToPath(import.meta.url);',
      'function __aamModuleUrl(pkg, sub) {',
      "  const roots = (globalThis[Symbol.for('aam.packageRoots')] ??= new Map());",
      '  let root = roots.get(pkg);',
      '  if (root === undefined) {',
      '    const cli = new URL(import.meta.url.slice(0, import.meta.url.lastIndexOf("/bundle/") + 1));',
      `    if (pkg === ${JSON.stringify(JSON.parse(readFileSync(join(cli, 'package.json'), 'utf8')).name)}) root = cli.href;`,
      '    else {',
      '      let dir = __aamDirname(require.resolve(pkg));',
      '      for (;;) {',
      "        try { if (JSON.parse(__aamReadFileSync(__aamJoin(dir, 'package.json'), 'utf8')).name === pkg) break; } catch {}",
      '        const up = __aamDirname(dir);',
      '        if (up === dir) throw new Error(`cannot find the package root of ${pkg}`);',
      '        dir = up;',
      '      }',
      "      root = __aamPathToFileURL(dir + '/').href;",
      '    }',
      '    roots.set(pkg, root);',
      '  }',
      '  return new URL(sub, root).href;',
      '}',
    ].join('\n'),
  },
  external: ['better-sqlite3', 'pg-native', 'typescript', 'ts-node'],
  plugins: [keepModuleUrl],
  sourcemap: 'linked',
  minifyWhitespace: true,
  minifySyntax: true,
  metafile: true,
  logLevel: 'warning',
  legalComments: 'linked',
});
const metaArg = process.argv.indexOf('--metafile');
if (metaArg > 0) writeFileSync(process.argv[metaArg + 1], JSON.stringify(result.metafile));
