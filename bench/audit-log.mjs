// Benchmark 8: the registry's audit log (RFC 6962 Merkle tree, Ed25519-signed C2SP checkpoints), without HTTP.
//   (a) N appends through the storage layer, one durable transaction each (`db.write(q => audit.append(q, ev))`
//       on SQLite, synchronous=FULL in WAL mode, as the server opens it), alternated in blocks with the peer:
//       the raw SQLite fsync floor, one single-row INSERT transaction each through better-sqlite3 directly;
//   (b) the same appends grouped, 100 per transaction (and the raw floor grouped the same way);
//   (c) a consistency proof from 1,000 to 1,000,000 entries verified the way a client does it: open the new
//       Ed25519-signed checkpoint, then verifyConsistency against the old one; and the proof generated from
//       the SQLite store (the server's /audit/proof/consistency query) for a realistic log size;
//   (d) re-verifying a 1,000,000-entry log from scratch: the leaf hash of every entry body, the tree, the root
//       compared with the signed checkpoint's.
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { elapsedMs, median, percentile } from './lib/measure.mjs';
import { loadCore } from './lib/core.mjs';
import { fixed, formatMs, formatRatio, formatUs, printLines, printSection } from './lib/report.mjs';

export const auditLogSizes = {
  quick: {
    appends: 1_000,
    block: 250,
    grouped: 5_000,
    groupSize: 100,
    sqliteProofSize: 0, // quick: the log the appends left (no extension)
    sqliteProofIterations: 200,
    proofLeaves: 100_000,
    proofIterations: 2_000,
    reverifyLeaves: 100_000,
    reverifyRuns: 3,
  },
  full: {
    appends: 10_000,
    block: 1_000,
    grouped: 10_000,
    groupSize: 100,
    sqliteProofSize: 100_000,
    sqliteProofIterations: 1_000,
    proofLeaves: 1_000_000,
    proofIterations: 10_000,
    reverifyLeaves: 1_000_000,
    reverifyRuns: 3,
  },
};

/** The figures the targets are stated for. */
const TARGET_APPENDS = 10_000;
const TARGET_SINGLE_S = 10;
const TARGET_GROUPED_S = 1;
const TARGET_PROOF_FROM = 1_000;
const TARGET_PROOF_TO = 1_000_000;
const TARGET_PROOF_US = 500;
const TARGET_REVERIFY_LEAVES = 1_000_000;
const TARGET_REVERIFY_S = 15;
/** Appends per transaction when the (untimed) SQLite log is grown for proof generation. */
const EXTEND_GROUP = 1_000;

const REPO = fileURLToPath(new URL('..', import.meta.url));
const SERVER_DIR = join(REPO, 'packages', 'registry-server');
const SERVER_URL = pathToFileURL(join(SERVER_DIR, 'dist', 'index.js')).href;
/** better-sqlite3 exactly as the registry server resolves it. */
const Database = createRequire(join(SERVER_DIR, 'package.json'))('better-sqlite3');

const ORIGIN = 'bench-registry/audit';
const CHECKSUM = (i) => `sha256:${i.toString(16).padStart(64, '0')}`;

/** Realistic events, as the server appends them (mostly publishes, some tag and yank events). */
function eventOf(i) {
  const pkg = `bench-pkg-${i % 997}`;
  const version = `1.${Math.floor(i / 997)}.0`;
  switch (i % 10) {
    case 7:
      return { event: 'tag.set', actor: 'bench', package: pkg, metadata: { tag: 'stable', version } };
    case 9:
      return {
        event: 'version.yank',
        actor: 'bench',
        package: `${pkg}@${version}`,
        metadata: { reason: 'benchmark yank' },
      };
    default:
      return {
        event: 'package.publish',
        actor: 'bench',
        package: `${pkg}@${version}`,
        metadata: { tag: 'latest', checksum: CHECKSUM(i), signature: null, status: 'approved' },
      };
  }
}

/** The entry body exactly as AuditLog.append builds it (the entry format's own encoder). */
function entryBody(core, i, timestamp) {
  return core.encodeAuditEntry(eventOf(i), timestamp);
}

// ---- (a), (b): appends --------------------------------------------------------------------------------

/** The peer: a WAL database with synchronous=FULL and one table, as bare as it gets. */
function openFloor(file) {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE entries (idx INTEGER PRIMARY KEY, body BLOB NOT NULL)');
  const insert = db.prepare('INSERT INTO entries (idx, body) VALUES (?, ?)');
  let next = 0;
  return {
    db,
    /** One row per transaction; returns its time in ms. */
    single(body) {
      const start = process.hrtime.bigint();
      db.exec('BEGIN IMMEDIATE');
      insert.run(next++, body);
      db.exec('COMMIT');
      return elapsedMs(start);
    },
    /** `bodies` in one transaction; returns its time in ms. */
    group(bodies) {
      const start = process.hrtime.bigint();
      db.exec('BEGIN IMMEDIATE');
      for (const b of bodies) insert.run(next++, b);
      db.exec('COMMIT');
      return elapsedMs(start);
    },
    count: () => db.prepare('SELECT COUNT(*) AS n FROM entries').get().n,
  };
}

/** CPU time (user + system, ms) of this process while `fn` runs, added to `acc.ms`. */
async function cpuOf(acc, fn) {
  const before = process.cpuUsage();
  await fn();
  const d = process.cpuUsage(before);
  acc.ms += (d.user + d.system) / 1000;
}

async function appendsSingle({ db, audit, floor, core, sizes, nextIndex }) {
  const aamMs = [];
  const floorMs = [];
  const aamCpu = { ms: 0 };
  const floorCpu = { ms: 0 };
  const sample = entryBody(core, 0, new Date().toISOString());
  for (let done = 0; done < sizes.appends; done += sizes.block) {
    const n = Math.min(sizes.block, sizes.appends - done);
    await cpuOf(aamCpu, async () => {
      for (let i = 0; i < n; i++) {
        const ev = eventOf(nextIndex());
        const start = process.hrtime.bigint();
        await db.write((q) => audit.append(q, ev));
        aamMs.push(elapsedMs(start));
      }
    });
    await cpuOf(floorCpu, () => {
      for (let i = 0; i < n; i++) floorMs.push(floor.single(sample));
    });
  }
  return { aamMs, floorMs, aamCpuMs: aamCpu.ms, floorCpuMs: floorCpu.ms };
}

async function appendsGrouped({ db, audit, floor, core, sizes, nextIndex }) {
  const aamMs = [];
  const floorMs = [];
  const sample = entryBody(core, 0, new Date().toISOString());
  const bodies = Array.from({ length: sizes.groupSize }, () => sample);
  const aamCpu = { ms: 0 };
  for (let done = 0; done < sizes.grouped; done += sizes.groupSize) {
    const events = Array.from({ length: sizes.groupSize }, () => eventOf(nextIndex()));
    await cpuOf(aamCpu, async () => {
      const start = process.hrtime.bigint();
      // One transaction, one signed checkpoint for the whole group (AuditLog.appendMany).
      await db.write((q) => audit.appendMany(q, events));
      aamMs.push(elapsedMs(start));
    });
    floorMs.push(floor.group(bodies));
  }
  return { aamMs, floorMs, aamCpuMs: aamCpu.ms };
}

/** The stored log adds up: every leaf hash re-read, the tree rebuilt, its root = the signed checkpoint's. */
async function checkStoredLog({ core, db, audit, expected }) {
  const head = await db.read((q) => audit.head(q));
  if (head.size !== expected) throw new Error(`audit log: size ${head.size}, expected ${expected}`);
  const { checkpoint } = core.openCheckpoint(head.checkpoint, audit.vkey, ORIGIN);
  const rows = await db.read((q) => q.all('SELECT idx, body, leaf_hash FROM audit_entries ORDER BY idx'));
  const store = new core.MemoryNodeStore();
  for (const [i, r] of rows.entries()) {
    if (Number(r.idx) !== i) throw new Error(`audit log: entry ${i} is missing (found ${r.idx})`);
    const leaf = core.leafHash(Buffer.from(r.body));
    if (!core.hashesEqual(leaf, Buffer.from(r.leaf_hash)))
      throw new Error(`audit log: entry ${i}'s leaf hash`);
    store.append(leaf);
  }
  if (checkpoint.size !== expected || !core.hashesEqual(store.root(), checkpoint.root))
    throw new Error('audit log: the entries do not give the signed checkpoint');
}

// ---- (c) consistency proofs ---------------------------------------------------------------------------

/** A client's check of a new checkpoint against one it saw before: signature, then the proof. */
function verifyAgainstOld({ core, vkey, newNote, proof, old }) {
  const { checkpoint } = core.openCheckpoint(newNote, vkey, ORIGIN);
  core.verifyConsistency(old.size, checkpoint.size, proof, old.root, checkpoint.root);
  return checkpoint;
}

function timeVerify({ core, vkey, newNote, proof, old, iterations }) {
  const us = [];
  for (let i = 0; i < iterations; i++) {
    const start = process.hrtime.bigint();
    verifyAgainstOld({ core, vkey, newNote, proof, old });
    us.push(elapsedMs(start) * 1000);
  }
  return us;
}

/** The server's consistency-proof query on the SQLite store, timed per call; checked like a client. */
async function sqliteProof({ core, db, audit, iterations }) {
  const head = await db.read((q) => audit.head(q));
  const from = TARGET_PROOF_FROM;
  const us = [];
  let proof;
  for (let i = 0; i < iterations; i++) {
    const start = process.hrtime.bigint();
    proof = await db.read((q) => audit.consistency(q, from, head.size));
    us.push(elapsedMs(start) * 1000);
  }
  const oldRoot = await db.read((q) => audit.rootAt(q, from));
  verifyAgainstOld({
    core,
    vkey: audit.vkey,
    newNote: head.checkpoint,
    proof,
    old: { size: from, root: oldRoot },
  });
  return { size: head.size, hashes: proof.length, us };
}

// ---- (d) re-verification from scratch ------------------------------------------------------------------

/** Everything a client does with the entry bodies in hand: open the checkpoint, hash, build, compare. */
function reverify({ core, vkey, note, bodies }) {
  const start = process.hrtime.bigint();
  const { checkpoint } = core.openCheckpoint(note, vkey, ORIGIN);
  if (checkpoint.size !== bodies.length)
    throw new Error(`re-verify: checkpoint size ${checkpoint.size}, ${bodies.length} entries`);
  const store = new core.MemoryNodeStore();
  for (const body of bodies) store.append(core.leafHash(body));
  if (!core.hashesEqual(store.root(), checkpoint.root))
    throw new Error('re-verify: the entries do not give the signed root');
  return elapsedMs(start);
}

// ---- the benchmark ------------------------------------------------------------------------------------

const perSecond = (n, ms) => `${fixed(n / (ms / 1000), 0)}/s`;
const thousands = (n) => n.toLocaleString('en-US');
const seconds = (ms) => `${fixed(ms / 1000, ms < 10_000 ? 2 : 1)} s`;

export async function benchAuditLog({ workDir, quick }) {
  const sizes = quick ? auditLogSizes.quick : auditLogSizes.full;
  printSection(
    `Audit log: ${thousands(sizes.appends)} appends (1 durable transaction each) vs the raw SQLite fsync floor; ` +
      `${thousands(sizes.grouped)} grouped ${sizes.groupSize} per transaction; consistency proof ` +
      `${thousands(TARGET_PROOF_FROM)} -> ${thousands(sizes.proofLeaves)}; re-verify ${thousands(sizes.reverifyLeaves)} entries`,
  );
  const loadAvg = loadavg()[0];
  const [core, rs] = await Promise.all([loadCore(), import(SERVER_URL)]);
  const signer = core.parseSignerKey(core.generateNoteKey(ORIGIN).skey);
  const audit = new rs.AuditLog(ORIGIN, signer);
  const db = await rs.openDb(`sqlite:${join(workDir, 'audit-log.db')}`);
  const floor = openFloor(join(workDir, 'audit-floor.db'));
  let index = 0;
  const nextIndex = () => index++;
  try {
    // One untimed append and one floor transaction: statements, pages and the WAL files exist from here on.
    await db.write((q) => audit.append(q, eventOf(nextIndex())));
    floor.single(entryBody(core, 0, new Date().toISOString()));

    const single = await appendsSingle({ db, audit, floor, core, sizes, nextIndex });
    const grouped = await appendsGrouped({ db, audit, floor, core, sizes, nextIndex });
    await checkStoredLog({ core, db, audit, expected: index });
    if (floor.count() !== 1 + sizes.appends + sizes.grouped) throw new Error('floor: rows missing');

    // Proof generation from the SQLite store, after growing the log (untimed) to a realistic size.
    let extendMs = 0;
    if (sizes.sqliteProofSize > index) {
      const start = process.hrtime.bigint();
      while (index < sizes.sqliteProofSize) {
        const n = Math.min(EXTEND_GROUP, sizes.sqliteProofSize - index);
        const events = Array.from({ length: n }, () => eventOf(nextIndex()));
        await db.write(async (q) => {
          for (const ev of events) await audit.append(q, ev);
        });
      }
      extendMs = elapsedMs(start);
    }
    const fromSqlite = await sqliteProof({ core, db, audit, iterations: sizes.sqliteProofIterations });

    // The big in-memory log: entry bodies as the server writes them, its tree and signed checkpoints (the
    // "server" side, untimed), then a client's checks of them (timed).
    const n = Math.max(sizes.proofLeaves, sizes.reverifyLeaves);
    let start = process.hrtime.bigint();
    const t0 = Date.parse('2026-01-01T00:00:00.000Z');
    const bodies = Array.from({ length: n }, (_, i) =>
      entryBody(core, i, new Date(t0 + i * 1000).toISOString()),
    );
    const bodiesMs = elapsedMs(start);
    start = process.hrtime.bigint();
    const store = new core.MemoryNodeStore();
    for (const b of bodies) store.append(core.leafHash(b));
    const buildMs = elapsedMs(start);
    const proofTo = sizes.proofLeaves;
    const oldRoot = store.root(TARGET_PROOF_FROM);
    const old = core.openCheckpoint(audit.sign(TARGET_PROOF_FROM, oldRoot), audit.vkey, ORIGIN).checkpoint;
    const newNote = audit.sign(proofTo, store.root(proofTo));
    const genUs = [];
    let proof;
    for (let i = 0; i < 1_000; i++) {
      const s = process.hrtime.bigint();
      proof = core.consistencyProof(store, TARGET_PROOF_FROM, proofTo);
      genUs.push(elapsedMs(s) * 1000);
    }
    timeVerify({ core, vkey: audit.vkey, newNote, proof, old, iterations: 200 }); // warm-up
    const verifyUs = timeVerify({
      core,
      vkey: audit.vkey,
      newNote,
      proof,
      old,
      iterations: sizes.proofIterations,
    });
    // Same, with a verifier parsed once (what a client holding the pinned key as an object pays).
    const parsedKey = core.parseVerifierKey(audit.vkey);
    const verifyParsedUs = timeVerify({
      core,
      vkey: parsedKey,
      newNote,
      proof,
      old,
      iterations: sizes.proofIterations,
    });
    // A wrong old root must be refused (so the timed calls really compared something).
    let refused = false;
    try {
      verifyAgainstOld({
        core,
        vkey: audit.vkey,
        newNote,
        proof,
        old: { size: old.size, root: store.root(999) },
      });
    } catch {
      refused = true;
    }
    if (!refused) throw new Error('verifyConsistency accepted a wrong old root');

    const reverifyBodies =
      bodies.length === sizes.reverifyLeaves ? bodies : bodies.slice(0, sizes.reverifyLeaves);
    const reverifyNote = audit.sign(sizes.reverifyLeaves, store.root(sizes.reverifyLeaves));
    const reverifyMs = [];
    for (let r = 0; r < sizes.reverifyRuns; r++)
      reverifyMs.push(reverify({ core, vkey: audit.vkey, note: reverifyNote, bodies: reverifyBodies }));

    // Figures. Quick runs fewer single appends: totals are scaled to the 10,000 the target is stated for.
    const sum = (xs) => xs.reduce((s, x) => s + x, 0);
    const singleScale = TARGET_APPENDS / sizes.appends;
    const groupedScale = TARGET_APPENDS / sizes.grouped;
    const reverifyScale = TARGET_REVERIFY_LEAVES / sizes.reverifyLeaves;
    const figures = {
      singleTotalMs: sum(single.aamMs),
      singleMedianMs: median(single.aamMs),
      singleP99Ms: percentile(single.aamMs, 99),
      floorSingleTotalMs: sum(single.floorMs),
      floorSingleMedianMs: median(single.floorMs),
      groupedTotalMs: sum(grouped.aamMs),
      groupedMedianTxMs: median(grouped.aamMs),
      floorGroupedTotalMs: sum(grouped.floorMs),
      // CPU time per append / per floor transaction (µs): steadier than wall time on a busy machine.
      singleCpuUs: (single.aamCpuMs * 1000) / sizes.appends,
      floorSingleCpuUs: (single.floorCpuMs * 1000) / sizes.appends,
      groupedCpuUs: (grouped.aamCpuMs * 1000) / sizes.grouped,
      sqliteProofMedianUs: median(fromSqlite.us),
      sqliteProofP99Us: percentile(fromSqlite.us, 99),
      proofGenerationMedianUs: median(genUs),
      verifyMedianUs: median(verifyUs),
      verifyP99Us: percentile(verifyUs, 99),
      verifyParsedKeyMedianUs: median(verifyParsedUs),
      reverifyMedianMs: median(reverifyMs),
    };
    figures.singleTotalFor10kMs = figures.singleTotalMs * singleScale;
    figures.floorSingleTotalFor10kMs = figures.floorSingleTotalMs * singleScale;
    figures.groupedTotalFor10kMs = figures.groupedTotalMs * groupedScale;
    figures.reverifyFor1MMs = figures.reverifyMedianMs * reverifyScale;
    const ratios = {
      singleVsFloor: figures.singleTotalMs / figures.floorSingleTotalMs,
      groupedVsFloor: figures.groupedTotalMs / figures.floorGroupedTotalMs,
    };
    const met = {
      single: figures.singleTotalFor10kMs <= TARGET_SINGLE_S * 1000,
      grouped: figures.groupedTotalFor10kMs <= TARGET_GROUPED_S * 1000,
      // The target is for 1,000 -> 1,000,000; quick proves 1,000 -> 100,000 (one hash shorter).
      proof: figures.verifyMedianUs < TARGET_PROOF_US,
      reverify: figures.reverifyFor1MMs < TARGET_REVERIFY_S * 1000,
    };
    const scaled = (what, scale) => (scale === 1 ? '' : ` (extrapolated x${fixed(scale, 0)} from ${what})`);
    const ok = (m) => (m ? 'ok' : 'MISSED');

    printLines([
      ['load average (1 min) at start', fixed(loadAvg, 2)],
      [
        `${thousands(sizes.appends)} appends, 1 durable transaction each`,
        `${seconds(figures.singleTotalMs)} total, ${perSecond(sizes.appends, figures.singleTotalMs)}; ` +
          `median ${formatMs(figures.singleMedianMs)}, p99 ${formatMs(figures.singleP99Ms)} per append`,
      ],
      [
        `raw SQLite fsync floor, ${thousands(sizes.appends)} INSERT transactions (alternated in blocks of ${sizes.block})`,
        `${seconds(figures.floorSingleTotalMs)} total, ${perSecond(sizes.appends, figures.floorSingleTotalMs)}; ` +
          `median ${formatMs(figures.floorSingleMedianMs)} per transaction`,
      ],
      [
        'CPU time per append / per floor transaction',
        `${formatUs(figures.singleCpuUs)} / ${formatUs(figures.floorSingleCpuUs)} (this process, user + system)`,
      ],
      [
        'ratio aam append / floor',
        `${formatRatio(ratios.singleVsFloor)}  (${formatMs(figures.singleMedianMs - figures.floorSingleMedianMs)} ` +
          'per append above the fsync, median)',
      ],
      [
        `${thousands(TARGET_APPENDS)} single appends, total`,
        `${seconds(figures.singleTotalFor10kMs)}${scaled(thousands(sizes.appends), singleScale)}  ` +
          `(target <= ${TARGET_SINGLE_S} s: ${ok(met.single)})`,
      ],
      [
        `${thousands(sizes.grouped)} appends, ${sizes.groupSize} per transaction`,
        `${seconds(figures.groupedTotalMs)} total, ${perSecond(sizes.grouped, figures.groupedTotalMs)}; ` +
          `median ${formatMs(figures.groupedMedianTxMs)} per transaction; CPU ${formatUs(figures.groupedCpuUs)} per append`,
      ],
      [
        `${thousands(TARGET_APPENDS)} grouped appends, total`,
        `${seconds(figures.groupedTotalFor10kMs)}${scaled(thousands(sizes.grouped), groupedScale)}  ` +
          `(target <= ${TARGET_GROUPED_S} s: ${ok(met.grouped)})`,
      ],
      [
        `raw floor, ${thousands(sizes.grouped)} INSERTs ${sizes.groupSize} per transaction`,
        `${seconds(figures.floorGroupedTotalMs)} total; ratio aam / floor ${formatRatio(ratios.groupedVsFloor)}`,
      ],
      [
        `consistency proof from SQLite (${thousands(TARGET_PROOF_FROM)} -> ${thousands(fromSqlite.size)}, ${fromSqlite.hashes} hashes; n=${sizes.sqliteProofIterations})`,
        `median ${formatUs(figures.sqliteProofMedianUs)}, p99 ${formatUs(figures.sqliteProofP99Us)}` +
          (extendMs
            ? `  (log grown to ${thousands(fromSqlite.size)} in ${seconds(extendMs)}, ${EXTEND_GROUP} per tx)`
            : ''),
      ],
      [
        `in-memory log of ${thousands(n)} entries (untimed setup)`,
        `bodies ${seconds(bodiesMs)}, tree ${seconds(buildMs)}`,
      ],
      [
        `consistency proof generation ${thousands(TARGET_PROOF_FROM)} -> ${thousands(proofTo)} (memory, n=1,000)`,
        `median ${formatUs(figures.proofGenerationMedianUs)}, ${proof.length} hashes`,
      ],
      [
        `verify: openCheckpoint (Ed25519) + verifyConsistency ${thousands(TARGET_PROOF_FROM)} -> ${thousands(proofTo)} (n=${thousands(sizes.proofIterations)})`,
        `median ${formatUs(figures.verifyMedianUs)}, p99 ${formatUs(figures.verifyP99Us)}  ` +
          `(target < ${TARGET_PROOF_US} µs${proofTo === TARGET_PROOF_TO ? '' : `, stated for ${thousands(TARGET_PROOF_TO)}`}: ${ok(met.proof)})`,
      ],
      ['  same, verifier key parsed once', `median ${formatUs(figures.verifyParsedKeyMedianUs)}`],
      [
        `re-verify ${thousands(sizes.reverifyLeaves)} entries from scratch (median of ${sizes.reverifyRuns})`,
        `${seconds(figures.reverifyMedianMs)}, ${perSecond(sizes.reverifyLeaves, figures.reverifyMedianMs)} ` +
          '(entry bodies in memory: leaf hashes, tree, root vs signed checkpoint)',
      ],
      [
        `re-verify ${thousands(TARGET_REVERIFY_LEAVES)} entries`,
        `${seconds(figures.reverifyFor1MMs)}${scaled(thousands(sizes.reverifyLeaves), reverifyScale)}  ` +
          `(target < ${TARGET_REVERIFY_S} s: ${ok(met.reverify)})`,
      ],
    ]);

    const bench = 'audit-log';
    const extrapolated = (scale) => (scale === 1 ? '' : ', extrapolated');
    return {
      json: {
        sizes,
        loadAverage: loadAvg,
        timesMs: {
          singleAppend: single.aamMs,
          floorSingle: single.floorMs,
          groupedTx: grouped.aamMs,
          floorGroupedTx: grouped.floorMs,
          reverify: reverifyMs,
        },
        timesUs: { sqliteProof: fromSqlite.us, verify: verifyUs, verifyParsedKey: verifyParsedUs },
        sqliteProof: { from: TARGET_PROOF_FROM, to: fromSqlite.size, hashes: fromSqlite.hashes, extendMs },
        memory: { entries: n, bodiesMs, buildMs, proofTo, proofHashes: proof.length },
        figures,
        ratios,
        targets: {
          singleSeconds: TARGET_SINGLE_S,
          groupedSeconds: TARGET_GROUPED_S,
          proofUs: TARGET_PROOF_US,
          reverifySeconds: TARGET_REVERIFY_S,
        },
        met,
      },
      summary: [
        {
          benchmark: bench,
          measure: `10,000 appends, 1 tx each, total${extrapolated(singleScale)}`,
          aam: `${seconds(figures.singleTotalFor10kMs)} (${perSecond(sizes.appends, figures.singleTotalMs)})`,
          target: `<= ${TARGET_SINGLE_S} s`,
          met: met.single,
        },
        {
          benchmark: bench,
          measure: `append vs raw SQLite fsync floor (n=${thousands(sizes.appends)})`,
          aam: `${seconds(figures.singleTotalMs)}`,
          peer: `floor ${seconds(figures.floorSingleTotalMs)}`,
          ratio: ratios.singleVsFloor,
        },
        {
          benchmark: bench,
          measure: `10,000 appends, ${sizes.groupSize} per tx, total${extrapolated(groupedScale)}`,
          aam: `${seconds(figures.groupedTotalFor10kMs)} (${perSecond(sizes.grouped, figures.groupedTotalMs)})`,
          peer: `floor ${seconds(figures.floorGroupedTotalMs * groupedScale)}`,
          target: `<= ${TARGET_GROUPED_S} s`,
          met: met.grouped,
        },
        {
          benchmark: bench,
          measure: `consistency proof from SQLite, 1,000 -> ${thousands(fromSqlite.size)}, median`,
          aam: formatUs(figures.sqliteProofMedianUs),
        },
        {
          benchmark: bench,
          measure: `verify checkpoint + consistency 1,000 -> ${thousands(proofTo)}, median`,
          aam: formatUs(figures.verifyMedianUs),
          target: `< ${TARGET_PROOF_US} µs`,
          met: met.proof,
        },
        {
          benchmark: bench,
          measure: `re-verify 1,000,000 entries from scratch${extrapolated(reverifyScale)}`,
          aam: seconds(figures.reverifyFor1MMs),
          target: `< ${TARGET_REVERIFY_S} s`,
          met: met.reverify,
        },
      ],
    };
  } finally {
    floor.db.close();
    await db.close();
  }
}
