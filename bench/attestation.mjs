// Benchmark 9: registry attestation verification. N packages, each with a registry attestation (an in-toto
// publish statement in a DSSE envelope, ECDSA P-256) and its `package.publish` entry in a prepared audit log;
// then one "verify run" over all of them through the built plugin's RegistryAttestationVerifier, in-process:
//   aam:  verify() per package (strict DSSE parse, pinned key, ECDSA over the PAE, statement checks, sha256 of
//         the archive, the audit index proven by an inclusion proof against the verified checkpoint);
//   peer: a bare node:crypto ECDSA P-256 verify of the same PAE with the same key (what any DSSE verifier must
//         at least do), alternated package by package.
// Setup (untimed): archives, statements, envelopes, log entries, tree, checkpoint and inclusion proofs.
import { createHash, createPublicKey, generateKeyPairSync, randomBytes, verify } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { loadCore } from './lib/core.mjs';
import { elapsedMs, median, percentile } from './lib/measure.mjs';
import { fixed, formatRatio, formatUs, printLines, printSection } from './lib/report.mjs';

export const attestationSizes = {
  quick: { packages: 100, archiveBytes: 8 * 1024 },
  full: { packages: 1_000, archiveBytes: 8 * 1024 },
};

const PLUGIN_URL = new URL('../packages/plugin-attestation/dist/index.js', import.meta.url).href;
// The attestation format's owner: what `aam registry serve` builds and signs with.
const FORMAT_URL = new URL('../packages/plugin-attestation/dist/format.js', import.meta.url).href;
const REGISTRY = 'bench-registry';
const ORIGIN = 'bench-registry/audit';

const sha256Hex = (b) => createHash('sha256').update(b).digest('hex');

/**
 * The registry side, prepared once: N archives (random bytes), their log entries (a publish and a tag.set each,
 * canonical JSON as the server writes them), the tree, a signed checkpoint, every inclusion proof, and one
 * signed attestation per package.
 */
function prepare({ core, format, count, archiveBytes }) {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const keyid = core.spkiKeyId(publicKey);
  const note = core.generateNoteKey(ORIGIN);
  const bodies = [];
  const packages = [];
  const t0 = Date.UTC(2026, 1, 7, 14, 30, 0);
  for (let i = 0; i < count; i++) {
    const name = `@bench/att-${i}`;
    const version = '1.0.0';
    const bytes = randomBytes(archiveBytes);
    const hex = sha256Hex(bytes);
    const timestamp = new Date(t0 + i * 1000).toISOString();
    const index = bodies.length;
    // The entries and the attestation exactly as the server writes them (their formats' own encoders).
    bodies.push(
      core.encodeAuditEntry(
        {
          event: 'package.publish',
          actor: 'bench',
          package: `${name}@${version}`,
          metadata: { tag: 'latest', checksum: `sha256:${hex}`, signature: null, status: 'approved' },
        },
        timestamp,
      ),
    );
    bodies.push(
      core.encodeAuditEntry(
        { event: 'tag.set', actor: 'bench', package: name, metadata: { tag: 'latest', version } },
        timestamp,
      ),
    );
    const signed = format.signStatement(
      format.publishStatement({
        name,
        version,
        checksum: `sha256:${hex}`,
        registry: { name: REGISTRY },
        publisher: { name: 'bench', auth_method: 'token' },
        signature: null,
        approval: null,
        published_at: timestamp,
        audit: { origin: ORIGIN, index },
      }),
      { keyid, privateKey },
    );
    const envelope = Buffer.from(JSON.stringify(signed));
    const pae = format.pae(signed.payloadType, Buffer.from(signed.payload, 'base64'));
    const sig = Buffer.from(signed.signatures[0].sig, 'base64');
    packages.push({ name, version, bytes, hex, index, envelope, pae, sig });
  }
  const store = core.MemoryNodeStore.fromLeafHashes(bodies.map((b) => core.leafHash(b)));
  const size = bodies.length;
  const checkpoint = core.signCheckpoint(
    { origin: ORIGIN, size, root: store.root() },
    core.parseSignerKey(note.skey),
  );
  const proofs = new Map(packages.map((p) => [p.index, core.inclusionProof(store, p.index, size)]));
  const calls = { checkpoint: 0, entry: 0, inclusion: 0 };
  // What the registry's audit endpoints would answer, from memory (no proof is computed while timing).
  const source = {
    checkpoint: async () => (calls.checkpoint++, checkpoint),
    consistencyProof: async (from, to) => core.consistencyProof(store, from, to),
    inclusionProof: async (index, treeSize) => {
      calls.inclusion++;
      if (treeSize !== size) throw new Error(`bench: proof asked against size ${treeSize}, not ${size}`);
      return proofs.get(index);
    },
    packageEntries: async () => [],
    entry: async (index) => (calls.entry++, bodies[index]),
    entriesFrom: async (start, limit) =>
      bodies.slice(start, start + limit).map((bytes, i) => ({ index: start + i, bytes })),
  };
  return { privateKey, publicKey, keyid, vkey: note.vkey, packages, size, source, calls };
}

export async function benchAttestation({ workDir, quick }) {
  const sizes = quick ? attestationSizes.quick : attestationSizes.full;
  const count = sizes.packages;
  printSection(
    `Registry attestations: verify() per package in a ${count.toLocaleString('en-US')}-package verify run ` +
      'vs a bare node:crypto ECDSA P-256 verify of the same PAE',
  );
  const [core, plugin, format] = await Promise.all([loadCore(), import(PLUGIN_URL), import(FORMAT_URL)]);
  const setupStart = process.hrtime.bigint();
  const world = prepare({ core, format, count, archiveBytes: sizes.archiveBytes });
  const home = mkdtempSync(join(workDir, 'attestation-home-'));
  const env = { AAM_HOME: home };
  const pem = world.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  await core.storePinnedAttestationKey(REGISTRY, world.keyid, pem, env);
  const cfg = {
    name: REGISTRY,
    url: 'https://registry.bench.invalid',
    checkpoint_key: world.vkey,
    attestation_keys: [world.keyid],
  };
  const verifier = new plugin.RegistryAttestationVerifier({
    home,
    registries: [cfg],
    env,
    logSource: () => world.source,
  });
  // The peer's key, parsed once from the same pinned PEM (what a verifier with a key cache holds).
  const peerKey = createPublicKey(pem);
  const setupMs = elapsedMs(setupStart);

  const ctx = { keys: [], registry: REGISTRY, offline: false };
  const aamUs = [];
  const peerUs = [];
  let firstUs;
  const runStart = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    const p = world.packages[i];
    const artifact = {
      bytes: p.bytes,
      checksum: `sha256:${p.hex}`,
      size: p.bytes.length,
      name: p.name,
      version: p.version,
    };
    const doc = {
      source: `${REGISTRY}:${p.name}@${p.version}`,
      declaredType: 'registry-attestation',
      bytes: p.envelope,
    };
    const timeAam = async () => {
      const start = process.hrtime.bigint();
      const fact = await verifier.verify(artifact, doc, ctx);
      const us = elapsedMs(start) * 1000;
      if (!fact.valid || fact.audit_index !== p.index || fact.name !== p.name)
        throw new Error(`attestation of ${p.name} did not verify: ${fact.errors.join('; ')}`);
      if (i === 0) firstUs = us;
      else aamUs.push(us);
    };
    const timePeer = () => {
      const start = process.hrtime.bigint();
      const ok = verify('sha256', p.pae, { key: peerKey, dsaEncoding: 'der' }, p.sig);
      const us = elapsedMs(start) * 1000;
      if (!ok) throw new Error(`peer: the signature of ${p.name} did not verify`);
      peerUs.push(us);
    };
    // Alternate which goes first, so neither always runs on a warmer cache.
    if (i % 2 === 0) {
      await timeAam();
      timePeer();
    } else {
      timePeer();
      await timeAam();
    }
  }
  const runMs = elapsedMs(runStart);
  // Once per run: one checkpoint, verified and stored; one entry and one proof per package.
  if (world.calls.checkpoint !== 1 || world.calls.entry !== count || world.calls.inclusion !== count)
    throw new Error(`unexpected log reads: ${JSON.stringify(world.calls)}`);
  // A sanity check that the verifier really checks: the attestation of package 0 for package 1's bytes.
  const p0 = world.packages[0];
  const p1 = world.packages[1] ?? p0;
  const swapped = await verifier.verify(
    {
      bytes: p1.bytes,
      checksum: `sha256:${p1.hex}`,
      size: p1.bytes.length,
      name: p0.name,
      version: p0.version,
    },
    { source: 'swap', declaredType: 'registry-attestation', bytes: p0.envelope },
    ctx,
  );
  if (p1 !== p0 && swapped.valid) throw new Error('a swapped attestation verified');

  const figures = {
    aamMedianUs: median(aamUs),
    aamP99Us: percentile(aamUs, 99),
    aamFirstUs: firstUs,
    peerMedianUs: median(peerUs),
    peerP99Us: percentile(peerUs, 99),
    runPerPackageUs: (runMs * 1000) / count,
  };
  const ratio = figures.aamMedianUs / figures.peerMedianUs;
  printLines([
    [
      'packages (archive size)',
      `${count.toLocaleString('en-US')} (${sizes.archiveBytes / 1024} KiB each), log of ${world.size} entries`,
    ],
    ['setup (untimed)', `${fixed(setupMs / 1000, 2)} s`],
    [
      'aam verify() per package',
      `median ${formatUs(figures.aamMedianUs)}, p99 ${formatUs(figures.aamP99Us)}, first call ${formatUs(figures.aamFirstUs)} (checkpoint verified and stored)`,
    ],
    [
      'peer: bare ECDSA verify',
      `median ${formatUs(figures.peerMedianUs)}, p99 ${formatUs(figures.peerP99Us)}`,
    ],
    [
      'aam / peer (median)',
      `${formatRatio(ratio)} (the rest is parsing, sha256 of the archive, the inclusion proof)`,
    ],
    ['whole run per package', `${formatUs(figures.runPerPackageUs)} (both, alternated)`],
  ]);
  return {
    json: { sizes, setupMs, timesUs: { aam: aamUs, peer: peerUs }, figures, ratio },
    summary: [
      {
        benchmark: 'attestation',
        measure: `verify() per package, median (n=${count.toLocaleString('en-US')})`,
        aam: formatUs(figures.aamMedianUs),
        peer: `bare ECDSA ${formatUs(figures.peerMedianUs)}`,
        ratio,
      },
    ],
  };
}
