// Benchmark 6: Sigstore bundle verification, fully offline.
//   (a) N distinct real bundles, signed (untimed) through a private Sigstore on loopback (the @sigstore/mock
//       Fulcio, Rekor and TSA, served the way test/support/private-sigstore.ts serves them), each verified in
//       one process by one SigstoreVerifier (built once), alternated with a naive loop that builds the trust
//       material and a Verifier from @sigstore/verify for every bundle; the same for the real public-good
//       bundle, many times;
//   (b) cold `aam verify FILE --signature BUNDLE` of the public-good bundle (a fresh CLI process) against
//       `sigstore verify` from @sigstore/cli when that can verify it offline, else against a minimal node
//       script that verifies the same bundle with @sigstore/verify (also a fresh process); why is printed.
import { execFile } from 'node:child_process';
import { createHash, generateKeyPairSync, randomBytes, sign as cryptoSign } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { elapsedMs, median, percentile, runTimed } from './lib/measure.mjs';
import { aam, aamEnv } from './lib/tools.mjs';
import { formatMs, formatRatio, fixed, printLines, printSection } from './lib/report.mjs';

export const sigstoreSizes = {
  quick: { bundles: 40, identities: 10, publicGood: 20, coldRuns: 3 },
  full: { bundles: 1_000, identities: 10, publicGood: 200, coldRuns: 10 },
};

/** aam's verify() must be at least this many times faster than the naive per-bundle verifier. */
const TARGET_SPEEDUP = 2;
/** Bundles signed at once during the (untimed) setup. */
const SIGN_CONCURRENCY = 8;

const REPO = fileURLToPath(new URL('..', import.meta.url));
const PLUGIN_DIR = join(REPO, 'packages', 'plugin-sigstore');
const PLUGIN_URL = pathToFileURL(join(PLUGIN_DIR, 'dist', 'index.js')).href;
/** The sigstore-js libraries are dependencies of the plugin: resolve them the way it does. */
const PLUGIN_PKG = join(PLUGIN_DIR, 'package.json');

const PUBLIC_GOOD_ROOT = join(PLUGIN_DIR, 'trusted-root', 'public-good.json');
const PUBLIC_GOOD_BUNDLE = join(REPO, 'test', 'fixtures', 'sigstore', 'sigstorejs-v03-hashedrekordv002.json');
const PUBLIC_GOOD_DATA = Buffer.from('hello, world!');
const PUBLIC_GOOD_IDENTITY = 'brian@dehamer.com';
const PUBLIC_GOOD_ISSUER = 'https://github.com/login/oauth';

const BENCH_ISSUER = 'https://accounts.bench.example';

/** The peer for the cold comparison, installed once into a throw-away cache (never the workspace). */
const SIGSTORE_CLI_VERSION = '0.8.1';
const BENCH_CACHE = join(tmpdir(), 'aam-bench-cache');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
/** How long the offline probe of `sigstore verify` may wait for its TUF refresh to fail. */
const PROBE_TIMEOUT_MS = 30_000;

const sha256Hex = (bytes) => createHash('sha256').update(bytes).digest('hex');
const p256 = () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const b64 = (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
const b64url = (text) => Buffer.from(text, 'utf8').toString('base64url');
const isoSeconds = (d) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
const firstLine = (text) =>
  String(text ?? '')
    .trim()
    .split('\n')[0];

/** The version of package `name` as `req` resolves it (some packages do not export their package.json). */
function packageVersion(req, name) {
  for (let dir = dirname(req.resolve(name)); dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8'));
      if (pkg.name === name) return pkg.version;
    }
  }
  return 'unknown';
}

function loadLibs() {
  const req = createRequire(PLUGIN_PKG);
  return {
    bundle: req('@sigstore/bundle'),
    protobuf: req('@sigstore/protobuf-specs'),
    sign: req('@sigstore/sign'),
    verify: req('@sigstore/verify'),
    mock: createRequire(join(REPO, 'package.json'))('@sigstore/mock'),
    versions: Object.fromEntries(
      ['bundle', 'protobuf-specs', 'sign', 'verify'].map((name) => [
        name,
        packageVersion(req, `@sigstore/${name}`),
      ]),
    ),
  };
}

// ---- a private Sigstore on loopback (the recipe of test/support/private-sigstore.ts) ---------------

/** An unsigned JWT-shaped identity token, which the mock Fulcio accepts (it checks no signature). */
function makeIdentityToken(claims) {
  const now = Math.floor(Date.now() / 1000);
  const payload = { aud: 'sigstore', iat: now, nbf: now, exp: now + 3600, ...claims };
  return `${b64url(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${b64url(JSON.stringify(payload))}.`;
}

/**
 * The mock Fulcio (with its CT log), Rekor and TSA behind one loopback HTTP server, and a trusted root
 * naming exactly their keys. Every service stamps one whole-second clock (now + 2 s): without it the
 * mock TSA sometimes emits times the verifier cannot parse.
 */
async function startPrivateSigstore(mock) {
  const clock = new Date(Math.floor((Date.now() + 2000) / 1000) * 1000);
  const routes = new Map();
  const requests = { fulcio: 0, rekor: 0, tsa: 0 };
  const send = (res, status, body, contentType) => {
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body);
    res.writeHead(status, { 'Content-Type': contentType ?? 'text/plain', 'Content-Length': bytes.length });
    res.end(bytes);
  };
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const route = req.method === 'POST' ? routes.get(path) : undefined;
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      if (!route) return send(res, 404, `no such endpoint: ${req.method} ${path}`);
      requests[route.service]++;
      route
        .fn(Buffer.concat(chunks).toString('utf8'))
        .then((out) => send(res, out.statusCode, out.response, out.contentType))
        .catch((e) => send(res, 500, e instanceof Error ? e.message : String(e)));
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const url = `http://127.0.0.1:${server.address().port}`;
  const close = () =>
    new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections(); // sigstore-js keeps its sockets alive
    });
  try {
    // The Rekor checkpoint names the log by host:port, so the log is made once the port is known.
    const ctLog = await mock.initializeCTLog(p256(), clock);
    const ca = await mock.initializeCA(p256(), ctLog, clock);
    const tlogKeys = p256();
    const tlog = await mock.initializeTLog(url, tlogKeys, clock);
    const tsa = await mock.initializeTSA(p256(), clock);
    // Every bench identity is an email (verified): Fulcio puts the email claim in the certificate.
    const fulcio = mock.fulcioHandler(ca, { subjectClaim: 'email' });
    const rekor = mock.rekorHandler(tlog);
    const timestamps = mock.tsaHandler(tsa);
    routes.set(fulcio.path, { service: 'fulcio', fn: fulcio.fn });
    routes.set(rekor.path, { service: 'rekor', fn: rekor.fn });
    routes.set(timestamps.path, { service: 'tsa', fn: timestamps.fn });

    const start = isoSeconds(new Date(Date.now() - 24 * 60 * 60 * 1000));
    const tlogKeyDer = tlogKeys.publicKey.export({ format: 'der', type: 'spki' });
    const trustedRoot = {
      mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
      tlogs: [
        {
          baseUrl: url,
          hashAlgorithm: 'SHA2_256',
          publicKey: {
            rawBytes: b64(tlogKeyDer),
            keyDetails: 'PKIX_ECDSA_P256_SHA_256',
            validFor: { start },
          },
          logId: { keyId: createHash('sha256').update(tlogKeyDer).digest('base64') },
        },
      ],
      certificateAuthorities: [
        {
          subject: { organization: 'sigstore.mock', commonName: 'sigstore' },
          uri: url,
          certChain: { certificates: [{ rawBytes: b64(ca.rootCertificate) }] },
          validFor: { start },
        },
      ],
      ctlogs: [
        {
          baseUrl: `${url}/ct`,
          hashAlgorithm: 'SHA2_256',
          publicKey: {
            rawBytes: b64(ctLog.publicKey),
            keyDetails: 'PKIX_ECDSA_P256_SHA_256',
            validFor: { start },
          },
          logId: { keyId: b64(ctLog.logID) },
        },
      ],
      timestampAuthorities: [
        {
          subject: { organization: 'sigstore.mock', commonName: 'tsa signing' },
          uri: `${url}/api/v1/timestamp`,
          // Signing (leaf) certificate first, root last.
          certChain: {
            certificates: [{ rawBytes: b64(tsa.intCertificate) }, { rawBytes: b64(tsa.rootCertificate) }],
          },
          validFor: { start },
        },
      ],
    };
    return { url, trustedRoot, requests, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/**
 * A signer for one identity that asks the private Fulcio for a certificate once and signs every later
 * artifact with the same key and certificate (as a release job signing many files within the
 * certificate's 10 minutes would), so that N bundles carry only `identities` distinct certificates.
 */
function reusingFulcioSigner(sign, url, email) {
  const { publicKey, privateKey } = p256();
  const pem = publicKey.export({ format: 'pem', type: 'spki' }).toString('ascii');
  const keyHolder = {
    sign: async (data) => ({
      signature: cryptoSign('sha256', data, privateKey),
      key: { $case: 'publicKey', publicKey: pem },
    }),
  };
  const token = makeIdentityToken({ sub: email, email, email_verified: true, iss: BENCH_ISSUER });
  const fulcio = new sign.FulcioSigner({
    fulcioBaseURL: url,
    identityProvider: { getToken: async () => token },
    keyHolder,
  });
  let certificate;
  return {
    email,
    async sign(data) {
      if (!certificate) {
        const first = fulcio.sign(data);
        certificate = first.then((s) => s.key.certificate);
        return first;
      }
      return {
        signature: cryptoSign('sha256', data, privateKey),
        key: { $case: 'x509Certificate', certificate: await certificate },
      };
    },
  };
}

/**
 * The builder makes a v0.2 bundle (the whole Fulcio chain); a v0.3 bundle carries the leaf alone, as
 * cosign and sigstore-js write them today. The log entry and the timestamp cover the signature, not the
 * certificate, so swapping the key material afterwards is sound.
 */
function asV03(bundle, bundleLib) {
  const content = bundle.verificationMaterial.content;
  if (content.$case !== 'x509CertificateChain') return bundle;
  return {
    ...bundle,
    mediaType: bundleLib.BUNDLE_V03_MEDIA_TYPE,
    verificationMaterial: {
      ...bundle.verificationMaterial,
      content: { $case: 'certificate', certificate: content.x509CertificateChain.certificates[0] },
    },
  };
}

/** N distinct small artifacts, artifact i signed by identity i mod `identities`; each with its bundle file bytes. */
async function signBundles({ libs, sigstore, count, identities }) {
  const { sign, bundle: bundleLib } = libs;
  const witnesses = [
    new sign.RekorWitness({ rekorBaseURL: sigstore.url }),
    new sign.TSAWitness({ tsaBaseURL: sigstore.url }),
  ];
  const signers = Array.from({ length: identities }, (_, k) =>
    reusingFulcioSigner(sign, sigstore.url, `signer-${k + 1}@bench.example`),
  );
  const builders = signers.map((signer) => new sign.MessageSignatureBundleBuilder({ signer, witnesses }));
  const items = new Array(count);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      const k = i % identities;
      const bytes = Buffer.concat([Buffer.from(`aam sigstore bench artifact ${i}\n`), randomBytes(1024)]);
      const bundle = asV03(await builders[k].create({ data: bytes }), bundleLib);
      items[i] = {
        bytes,
        checksum: `sha256:${sha256Hex(bytes)}`,
        size: bytes.length,
        source: `artifact-${i}.sigstore.json`,
        bundleBytes: Buffer.from(JSON.stringify(bundleLib.bundleToJSON(bundle)) + '\n', 'utf8'),
        identity: signers[k].email,
        issuer: BENCH_ISSUER,
      };
    }
  };
  await Promise.all(Array.from({ length: SIGN_CONCURRENCY }, worker));
  const certificates = new Set(
    items.map((item) => JSON.parse(item.bundleBytes).verificationMaterial.certificate?.rawBytes),
  );
  if (certificates.has(undefined) || certificates.size !== identities) {
    throw new Error(`Signed ${count} bundles with ${certificates.size} certificates, expected ${identities}`);
  }
  return { items, certificates: certificates.size };
}

// ---- (a) in-process: one SigstoreVerifier against a fresh @sigstore/verify Verifier per bundle ------

/**
 * Alternates, bundle by bundle (which one goes first alternating too), aam's `verify()` on a verifier
 * built once, and the naive verification: parse the bundle file, build the trust material from the
 * (parsed) trusted_root.json and a Verifier, verify. Both start from the bundle file's bytes; each must
 * succeed with the signer's identity, or the run fails.
 */
async function verifyAlternated({ libs, plugin, items, rootFile, home }) {
  const { bundleFromJSON } = libs.bundle;
  const { TrustedRoot } = libs.protobuf;
  const { toSignedEntity, toTrustMaterial, Verifier } = libs.verify;
  const rootJson = JSON.parse(readFileSync(rootFile, 'utf8'));
  const verifier = new plugin.SigstoreVerifier({ home, trustedRoot: rootFile });
  const ctx = { keys: [], offline: true };

  const viaAam = async (item) => {
    const start = process.hrtime.bigint();
    const fact = await verifier.verify(
      { bytes: item.bytes, checksum: item.checksum, size: item.size },
      { source: item.source, bytes: item.bundleBytes },
      ctx,
    );
    const ms = elapsedMs(start);
    if (fact.valid !== true || fact.identity !== item.identity || fact.issuer !== item.issuer) {
      throw new Error(
        `aam SigstoreVerifier, ${item.source}: not a valid signature by ${item.identity}: ` +
          JSON.stringify(fact),
      );
    }
    return ms;
  };
  const naive = (item) => {
    const start = process.hrtime.bigint();
    const material = toTrustMaterial(TrustedRoot.fromJSON(rootJson));
    const bundle = bundleFromJSON(JSON.parse(item.bundleBytes.toString('utf8')));
    const signer = new Verifier(material).verify(toSignedEntity(bundle, item.bytes));
    const ms = elapsedMs(start);
    const identity = signer.identity;
    if (identity?.subjectAlternativeName !== item.identity || identity?.extensions?.issuer !== item.issuer) {
      throw new Error(
        `@sigstore/verify, ${item.source}: signed by ${JSON.stringify(identity)}, not ${item.identity}`,
      );
    }
    return ms;
  };

  const aamMs = [];
  const naiveMs = [];
  for (let i = 0; i < items.length; i++) {
    if (i % 2 === 0) {
      aamMs.push(await viaAam(items[i]));
      naiveMs.push(naive(items[i]));
    } else {
      naiveMs.push(naive(items[i]));
      aamMs.push(await viaAam(items[i]));
    }
  }
  return { aamMs, naiveMs };
}

// ---- (b) cold: `aam verify FILE --signature BUNDLE` against a peer process -------------------------

/** A project whose .aam/config.yaml trusts the public-good bundle's signer; the artifact file in it. */
function setUpCold(workDir) {
  const dir = join(workDir, 'sigstore-cold');
  const projectDir = join(dir, 'project');
  mkdirSync(join(projectDir, '.aam'), { recursive: true });
  writeFileSync(
    join(projectDir, '.aam', 'config.yaml'),
    `security:\n  on_signature_failure: error\n  trusted_identities:\n    - ${PUBLIC_GOOD_IDENTITY}\n`,
  );
  const artifact = join(projectDir, 'hello.txt');
  writeFileSync(artifact, PUBLIC_GOOD_DATA);
  return { dir, projectDir, artifact, env: aamEnv(join(dir, 'aam-home')) };
}

function aamVerifyFileTimed(cold) {
  const { ms, stdout } = aam(['verify', 'hello.txt', '--signature', PUBLIC_GOOD_BUNDLE, '--json'], {
    env: cold.env,
    cwd: cold.projectDir,
  });
  const out = JSON.parse(stdout);
  const s = out.facts?.signatures ?? [];
  if (
    out.ok !== true ||
    out.decision?.outcome !== 'install' ||
    s.length !== 1 ||
    s[0].type !== 'sigstore' ||
    !s[0].valid ||
    s[0].identity !== PUBLIC_GOOD_IDENTITY
  ) {
    throw new Error(
      `aam verify hello.txt --signature ${PUBLIC_GOOD_BUNDLE}: not trusted and valid:\n${stdout}`,
    );
  }
  return ms;
}

/** The fallback peer: a minimal CommonJS script verifying one bundle with @sigstore/verify, exit 0 if valid. */
const NODE_PEER_SCRIPT = `'use strict';
const { readFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const [pluginPkg, rootFile, bundleFile, artifactFile, identity, issuer] = process.argv.slice(2);
const req = createRequire(pluginPkg);
const { bundleFromJSON } = req('@sigstore/bundle');
const { TrustedRoot } = req('@sigstore/protobuf-specs');
const { toSignedEntity, toTrustMaterial, Verifier } = req('@sigstore/verify');
const material = toTrustMaterial(TrustedRoot.fromJSON(JSON.parse(readFileSync(rootFile, 'utf8'))));
const bundle = bundleFromJSON(JSON.parse(readFileSync(bundleFile, 'utf8')));
const signer = new Verifier(material).verify(toSignedEntity(bundle, readFileSync(artifactFile)));
const san = signer.identity && signer.identity.subjectAlternativeName;
const iss = signer.identity && signer.identity.extensions && signer.identity.extensions.issuer;
if (san !== identity || iss !== issuer) {
  console.error('signed by ' + san + ' (' + iss + '), not ' + identity);
  process.exit(1);
}
console.log('Verified OK: ' + san);
`;

function nodePeer(cold, libs) {
  const script = join(cold.dir, 'verify-bundle.cjs');
  writeFileSync(script, NODE_PEER_SCRIPT);
  const args = [
    script,
    PLUGIN_PKG,
    PUBLIC_GOOD_ROOT,
    PUBLIC_GOOD_BUNDLE,
    cold.artifact,
    PUBLIC_GOOD_IDENTITY,
    PUBLIC_GOOD_ISSUER,
  ];
  return {
    label: `node script + @sigstore/verify ${libs.versions.verify}`,
    short: 'node + @sigstore/verify',
    run: () => {
      const { ms, stdout } = runTimed(process.execPath, args);
      if (!stdout.startsWith(`Verified OK: ${PUBLIC_GOOD_IDENTITY}`))
        throw new Error(`Peer script: ${stdout}`);
      return ms;
    },
  };
}

function execFileAsync(command, args, options) {
  return new Promise((resolve) => {
    execFile(command, args, { encoding: 'utf8', maxBuffer: 16 << 20, ...options }, (error, stdout, stderr) =>
      resolve({ error, code: error ? (error.code ?? 1) : 0, killed: error?.killed, stdout, stderr }),
    );
  });
}

/**
 * @sigstore/cli SIGSTORE_CLI_VERSION in BENCH_CACHE (npm install into a staging directory, renamed when
 * complete, so that later runs reuse it); returns `{ dir, bin }` or `{ reason }`.
 */
async function installSigstoreCli() {
  const dir = join(BENCH_CACHE, `sigstore-cli-${SIGSTORE_CLI_VERSION}`);
  const bin = join(dir, 'node_modules', '@sigstore', 'cli', 'bin', 'run');
  if (existsSync(bin)) return { dir, bin, cached: true };
  mkdirSync(BENCH_CACHE, { recursive: true });
  const staging = mkdtempSync(join(BENCH_CACHE, `.sigstore-cli-${SIGSTORE_CLI_VERSION}-`));
  writeFileSync(join(staging, 'package.json'), '{ "private": true }\n');
  const spec = `@sigstore/cli@${SIGSTORE_CLI_VERSION}`;
  const r = await execFileAsync(
    NPM,
    [
      'install',
      '--prefix',
      staging,
      '--no-audit',
      '--no-fund',
      '--no-package-lock',
      '--prefer-offline', // npm's own cache, when it has the tarballs from an earlier run
      '--fetch-retries=1', // without a registry, fail in seconds rather than minutes
      '--fetch-retry-mintimeout=2000',
      '--fetch-retry-maxtimeout=5000',
      '--loglevel=error',
      spec,
    ],
    { timeout: 180_000, env: { ...process.env, npm_config_update_notifier: 'false' } },
  );
  if (r.code !== 0) {
    rmSync(staging, { recursive: true, force: true });
    return {
      reason:
        `sigstore verify (@sigstore/cli ${SIGSTORE_CLI_VERSION}): could not be installed ` +
        `(npm install ${spec}: ${firstLine(r.stderr) || r.code})`,
    };
  }
  try {
    renameSync(staging, dir);
  } catch {
    rmSync(staging, { recursive: true, force: true }); // another run installed it meanwhile
  }
  return { dir, bin, cached: false };
}

/** Its own sigstore-js, given the public-good trusted root directly: could a seeded cache ever help? */
const CLI_LIBRARY_CHECK = `'use strict';
const { existsSync, readFileSync } = require('node:fs');
const { dirname, join } = require('node:path');
const req = require('node:module').createRequire(process.argv[1]);
const [, , rootFile, bundleFile, artifactFile] = process.argv;
const { bundleFromJSON } = req('@sigstore/bundle');
const { TrustedRoot } = req('@sigstore/protobuf-specs');
const v = req('@sigstore/verify');
let version = 'unknown';
for (let dir = dirname(req.resolve('@sigstore/verify')); dir !== dirname(dir); dir = dirname(dir)) {
  const file = join(dir, 'package.json');
  if (existsSync(file) && JSON.parse(readFileSync(file, 'utf8')).name === '@sigstore/verify') {
    version = JSON.parse(readFileSync(file, 'utf8')).version;
    break;
  }
}
try {
  const material = v.toTrustMaterial(TrustedRoot.fromJSON(JSON.parse(readFileSync(rootFile, 'utf8'))));
  const bundle = bundleFromJSON(JSON.parse(readFileSync(bundleFile, 'utf8')));
  new v.Verifier(material).verify(v.toSignedEntity(bundle, readFileSync(artifactFile)));
  console.log(JSON.stringify({ version, ok: true }));
} catch (e) {
  console.log(JSON.stringify({ version, ok: false, error: e.message + (e.code ? ' (' + e.code + ')' : '') }));
}
`;

/**
 * Can `sigstore verify` check the public-good bundle here, offline? Runs it once, with a private TUF cache
 * (which it seeds from @sigstore/tuf's seeds.json: root.json and trusted_root.json, but no timestamp,
 * snapshot or targets metadata) and --tuf-force-cache (prefer un-expired cached metadata to the network).
 * If that fails, also checks whether its own sigstore-js verifies the bundle when handed the trusted root
 * directly. Returns the peer, or `{ reason }`.
 */
async function probeSigstoreCli(cold) {
  const installed = await installSigstoreCli();
  if (!installed.bin) return { reason: installed.reason };
  const cliPkg = join(installed.dir, 'node_modules', '@sigstore', 'cli', 'package.json');
  const version = JSON.parse(readFileSync(cliPkg, 'utf8')).version;
  const name = `sigstore verify (@sigstore/cli ${version})`;
  const tufCache = join(cold.dir, 'sigstore-cli-tuf');
  mkdirSync(tufCache, { recursive: true });
  const args = [
    installed.bin,
    'verify',
    PUBLIC_GOOD_BUNDLE,
    '--blob-file',
    cold.artifact,
    '--certificate-identity-email',
    PUBLIC_GOOD_IDENTITY,
    '--certificate-issuer',
    PUBLIC_GOOD_ISSUER,
    '--tuf-cache-path',
    tufCache,
    '--tuf-force-cache',
  ];
  // Both child processes at once, while the bundles are being signed (the library check is not needed
  // when the CLI works, but waiting for the CLI first would leave it running into the timed part).
  const start = process.hrtime.bigint();
  const [r, lib] = await Promise.all([
    execFileAsync(process.execPath, args, { timeout: PROBE_TIMEOUT_MS }).then((result) => ({
      ...result,
      ms: elapsedMs(start),
    })),
    execFileAsync(process.execPath, [
      '-e',
      CLI_LIBRARY_CHECK,
      cliPkg,
      PUBLIC_GOOD_ROOT,
      PUBLIC_GOOD_BUNDLE,
      cold.artifact,
    ]),
  ]);
  const probeMs = r.ms;
  if (r.code === 0) {
    return {
      peer: {
        label: name,
        short: 'sigstore verify',
        run: () => runTimed(process.execPath, args).ms,
      },
      cliCached: installed.cached,
    };
  }
  const text = `${r.stderr}\n${r.stdout}`;
  let why;
  if (r.killed) why = `no answer within ${PROBE_TIMEOUT_MS / 1000} s (TUF refresh)`;
  else if (/TUF_REFRESH_METADATA_ERROR|error refreshing TUF metadata/.test(text)) {
    const cause = /request to (\S+) failed, reason: ([^\n]+)/.exec(text);
    why = `needs network (TUF refresh${cause ? `: ${cause[1]} failed, ${cause[2].trim()}` : ''})`;
  } else why = `fails: ${firstLine(text.replace(/^\s*\n/gm, ''))}`;
  let library;
  try {
    library = JSON.parse(lib.stdout);
  } catch {
    library = { ok: false, error: firstLine(lib.stderr) };
  }
  return {
    reason: `${name}: ${why} — not comparable offline`,
    detail: library.ok
      ? `its sigstore-js (@sigstore/verify ${library.version}) does verify the bundle given the trusted root`
      : `and even given the trusted root directly, its sigstore-js (@sigstore/verify ${library.version}) ` +
        `rejects this bundle: ${library.error}`,
    probeMs,
    cliCached: installed.cached,
  };
}

function benchCold({ cold, peer, runs }) {
  aamVerifyFileTimed(cold); // one untimed run of each: both start with warm file caches
  peer.run();
  const times = { aamVerifyFile: [], peer: [] };
  for (let i = 0; i < runs; i++) {
    times.aamVerifyFile.push(aamVerifyFileTimed(cold));
    times.peer.push(peer.run());
  }
  return times;
}

// ---- the benchmark ------------------------------------------------------------------------------

/** "6.8x faster" or, below 1, "1.1x slower": speedUp is peer time / aam time. */
function faster(speedUp) {
  return speedUp >= 1 ? `${fixed(speedUp, 1)}x faster` : `${fixed(1 / speedUp, 1)}x slower`;
}

export async function benchSigstore({ workDir, quick }) {
  const sizes = quick ? sigstoreSizes.quick : sigstoreSizes.full;
  const { bundles: n, identities, publicGood: g, coldRuns: c } = sizes;
  printSection(
    `Sigstore bundles: verify ${n} bundles (${identities} signers) + ${g} x the public-good bundle in one ` +
      `process vs a fresh @sigstore/verify Verifier each; ${c} cold aam verify FILE --signature`,
  );
  if (!existsSync(fileURLToPath(PLUGIN_URL))) {
    throw new Error(`Not built (missing ${fileURLToPath(PLUGIN_URL)}); run \`pnpm run build\` first.`);
  }
  const [plugin, libs] = await Promise.all([import(PLUGIN_URL), loadLibs()]);
  const dir = join(workDir, 'sigstore');
  mkdirSync(dir, { recursive: true });
  const cold = setUpCold(workDir);

  // The peer for (b) is installed and probed (child processes waiting on npm or on the network) while
  // the bundles are signed; both are done before anything is timed.
  const peerProbe = probeSigstoreCli(cold);

  const setupStart = process.hrtime.bigint();
  const sigstore = await startPrivateSigstore(libs.mock);
  let signed;
  try {
    signed = await signBundles({ libs, sigstore, count: n, identities });
  } finally {
    await sigstore.close();
  }
  const rootFile = join(dir, 'trusted_root.json');
  writeFileSync(rootFile, JSON.stringify(sigstore.trustedRoot, null, 2) + '\n');
  const setupMs = elapsedMs(setupStart);
  const requests = { ...sigstore.requests };
  if (requests.fulcio !== identities || requests.rekor !== n || requests.tsa !== n) {
    throw new Error(
      `Private Sigstore requests ${JSON.stringify(requests)}, expected ${identities}/${n}/${n}`,
    );
  }
  const probe = await peerProbe;
  const peer = probe.peer ?? nodePeer(cold, libs);

  // (a) in-process, the private bundles, then the public-good bundle g times.
  const home = join(dir, 'aam-home');
  const privateRun = await verifyAlternated({ libs, plugin, items: signed.items, rootFile, home });
  const publicItem = {
    bytes: PUBLIC_GOOD_DATA,
    checksum: `sha256:${sha256Hex(PUBLIC_GOOD_DATA)}`,
    size: PUBLIC_GOOD_DATA.length,
    source: PUBLIC_GOOD_BUNDLE,
    bundleBytes: readFileSync(PUBLIC_GOOD_BUNDLE),
    identity: PUBLIC_GOOD_IDENTITY,
    issuer: PUBLIC_GOOD_ISSUER,
  };
  const publicRun = await verifyAlternated({
    libs,
    plugin,
    items: Array.from({ length: g }, () => publicItem),
    rootFile: PUBLIC_GOOD_ROOT,
    home,
  });
  // (b) cold processes.
  const coldTimes = benchCold({ cold, peer, runs: c });

  const figures = {
    aamVerifyMedianMs: median(privateRun.aamMs),
    aamVerifyP99Ms: percentile(privateRun.aamMs, 99),
    aamVerifyFirstMs: privateRun.aamMs[0],
    naiveVerifyMedianMs: median(privateRun.naiveMs),
    naiveVerifyP99Ms: percentile(privateRun.naiveMs, 99),
    naiveVerifyFirstMs: privateRun.naiveMs[0],
    publicGoodAamMedianMs: median(publicRun.aamMs),
    publicGoodNaiveMedianMs: median(publicRun.naiveMs),
    coldAamVerifyFileMedianMs: median(coldTimes.aamVerifyFile),
    coldPeerMedianMs: median(coldTimes.peer),
  };
  // ratio = aam / peer, as everywhere in the summary; speedUp = peer / aam, the target's terms.
  const ratios = {
    perBundle: figures.aamVerifyMedianMs / figures.naiveVerifyMedianMs,
    publicGood: figures.publicGoodAamMedianMs / figures.publicGoodNaiveMedianMs,
    coldFile: figures.coldAamVerifyFileMedianMs / figures.coldPeerMedianMs,
  };
  const speedUp = Object.fromEntries(Object.entries(ratios).map(([k, r]) => [k, 1 / r]));
  const met = speedUp.perBundle >= TARGET_SPEEDUP;

  const perSigner = n / identities;
  const peerLines = probe.peer
    ? [['cold peer', `${peer.label}, offline with --tuf-force-cache`]]
    : [
        ['cold peer', `${peer.label} (a fresh node process), because:`],
        ['  ', probe.reason],
        ...(probe.detail ? [['  ', probe.detail]] : []),
      ];
  printLines([
    [
      'sigstore-js',
      Object.entries(libs.versions)
        .map(([k, v]) => `@sigstore/${k} ${v}`)
        .join(', '),
    ],
    [
      `setup (untimed): ${n} artifacts signed via a private Sigstore on loopback`,
      `${formatMs(setupMs)}  (${signed.certificates} distinct certificates = signer identities, ` +
        `${perSigner} bundles each; Fulcio ${requests.fulcio}, Rekor ${requests.rekor}, TSA ${requests.tsa} requests)`,
    ],
    [
      `aam SigstoreVerifier.verify(), one verifier (n=${n}, all valid)`,
      `median ${formatMs(figures.aamVerifyMedianMs)}, p99 ${formatMs(figures.aamVerifyP99Ms)}, ` +
        `first call ${formatMs(figures.aamVerifyFirstMs)}`,
    ],
    [
      `naive: fresh trust material + Verifier each (n=${n}, all valid)`,
      `median ${formatMs(figures.naiveVerifyMedianMs)}, p99 ${formatMs(figures.naiveVerifyP99Ms)}, ` +
        `first call ${formatMs(figures.naiveVerifyFirstMs)}`,
    ],
    [
      'ratio naive / aam (per bundle)',
      `${fixed(speedUp.perBundle, 2)}x  (aam ${faster(speedUp.perBundle)}; ` +
        `target >= ${TARGET_SPEEDUP}x faster: ${met ? 'ok' : 'MISSED'})`,
    ],
    [
      `public-good bundle, aam verify() (n=${g}, all valid)`,
      `median ${formatMs(figures.publicGoodAamMedianMs)}`,
    ],
    [`public-good bundle, naive (n=${g}, all valid)`, `median ${formatMs(figures.publicGoodNaiveMedianMs)}`],
    [
      'ratio naive / aam (public-good)',
      `${fixed(speedUp.publicGood, 2)}x  (aam ${faster(speedUp.publicGood)})`,
    ],
    ...peerLines,
    [
      `cold aam verify FILE --signature BUNDLE (median of ${c}, exit 0)`,
      formatMs(figures.coldAamVerifyFileMedianMs),
    ],
    [`cold ${peer.short}, alternated (median of ${c}, exit 0)`, formatMs(figures.coldPeerMedianMs)],
    [
      `ratio cold aam verify / ${peer.short}`,
      `${formatRatio(ratios.coldFile)}  (aam ${faster(speedUp.coldFile)})`,
    ],
  ]);

  const bench = 'sigstore';
  return {
    json: {
      sizes,
      versions: libs.versions,
      certificates: signed.certificates,
      setupMs,
      requests,
      coldPeer: {
        label: peer.label,
        sigstoreCli: probe.peer ? 'used' : probe.reason,
        ...(probe.detail ? { detail: probe.detail } : {}),
        ...(probe.probeMs !== undefined ? { probeMs: probe.probeMs } : {}),
        ...(probe.cliCached !== undefined ? { sigstoreCliFromCache: probe.cliCached } : {}),
      },
      timesMs: {
        aamVerify: privateRun.aamMs,
        naiveVerify: privateRun.naiveMs,
        publicGoodAamVerify: publicRun.aamMs,
        publicGoodNaiveVerify: publicRun.naiveMs,
        coldAamVerifyFile: coldTimes.aamVerifyFile,
        coldPeer: coldTimes.peer,
      },
      figuresMs: figures,
      ratios,
      speedUp,
      targetSpeedUp: TARGET_SPEEDUP,
      met,
    },
    summary: [
      {
        benchmark: bench,
        measure: `verify() per bundle, median (n=${n}, ${signed.certificates} certs)`,
        aam: `${formatMs(figures.aamVerifyMedianMs)} (${faster(speedUp.perBundle)})`,
        peer: `naive @sigstore/verify ${formatMs(figures.naiveVerifyMedianMs)}`,
        ratio: ratios.perBundle,
        target: `<= ${fixed(1 / TARGET_SPEEDUP, 2)} (${TARGET_SPEEDUP}x faster)`,
        met,
      },
      {
        benchmark: bench,
        measure: `verify() public-good bundle, median (n=${g})`,
        aam: `${formatMs(figures.publicGoodAamMedianMs)} (${faster(speedUp.publicGood)})`,
        peer: `naive @sigstore/verify ${formatMs(figures.publicGoodNaiveMedianMs)}`,
        ratio: ratios.publicGood,
      },
      {
        benchmark: bench,
        measure: `cold aam verify FILE --signature (n=${c})`,
        aam: formatMs(figures.coldAamVerifyFileMedianMs),
        peer: `${peer.short} ${formatMs(figures.coldPeerMedianMs)}`,
        ratio: ratios.coldFile,
      },
    ],
  };
}
