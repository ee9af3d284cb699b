import { AamError, type AamErrorCode } from '../errors.js';
import { openCheckpoint, type ParsedCheckpoint } from '../tlog/checkpoint.js';
import { hashesEqual } from '../tlog/hash.js';
import { signedTime } from '../tlog/cosignature.js';
import { parseVerifierKey } from '../tlog/note.js';
import { rootsFromConsistency } from '../tlog/proof.js';
import type { AuditLogSource } from './source.js';
import { saveEvidence, withCheckpointState } from './state.js';

/** How the checkpoint served now relates to the last one this client verified. */
export type HeadRelation =
  | { $case: 'first-use' }
  | { $case: 'same'; size: number }
  | { $case: 'extends'; size: number; proof: Buffer[] };

/** A checkpoint that verified under the pinned key and is consistent with everything seen before. */
export interface VerifiedHead {
  registry: string;
  origin: string;
  checkpoint: ParsedCheckpoint;
  /** The signed note, verbatim. */
  note: string;
  /** The last checkpoint verified before this one (verbatim), if any. */
  previous?: { size: number; note: string };
  relation: HeadRelation;
  /** The time the registry signed on the checkpoint as it served it (verified), when it did. */
  signedAt?: Date;
}

export interface VerifyHeadRequest {
  /** Registry name: the state lives under `$AAM_HOME/audit/<registry>/`. */
  registry: string;
  /** The pinned checkpoint key (`checkpoint_key`); its key name is the log's origin. */
  vkey: string;
  source: AuditLogSource;
  env?: NodeJS.ProcessEnv;
  /**
   * Runs on the verified head before it is stored, with the state still locked: whatever else the caller checks
   * against it (the entries it shows) fails the whole verification and leaves the stored checkpoint alone.
   */
  beforeStore?: (head: VerifiedHead) => Promise<void>;
}

/**
 * Fetches the registry's checkpoint, verifies it under the pinned key, and checks it against the stored one
 * (audit-log design §3.4): same size → same root; larger → a valid consistency proof from the stored tree;
 * smaller → the log shrank. Only a consistent, larger checkpoint replaces the stored one. Every failure is
 * fatal and carries both checkpoints verbatim as evidence (also saved beside the state).
 */
export async function verifyAuditLogHead(req: VerifyHeadRequest): Promise<VerifiedHead> {
  const env = req.env ?? process.env;
  const origin = parseVerifierKey(req.vkey).name;
  return withCheckpointState(req.registry, env, async (state) => {
    // Fetched under the lock: another aam storing a newer checkpoint meanwhile cannot make this one look like
    // a rollback.
    const note = await req.source.checkpoint();
    let checkpoint: ParsedCheckpoint;
    try {
      ({ checkpoint } = openCheckpoint(note, req.vkey, origin));
    } catch (e) {
      if (!(e instanceof AamError)) throw e;
      throw new AamError(
        e.code,
        `Registry '${req.registry}' served a checkpoint that does not verify under the pinned key ${req.vkey}: ${e.message}\nCheckpoint served:\n${note.replace(/\n$/, '')}`,
        { ...e.details, registry: req.registry, new_checkpoint: note },
      );
    }
    // A signed time that does not verify refuses the checkpoint, as a bad signature would.
    const signedAt = signedTime(note, parseVerifierKey(req.vkey));
    const base = { registry: req.registry, origin, checkpoint, note, ...(signedAt ? { signedAt } : {}) };
    const accept = async (head: VerifiedHead, store = true): Promise<VerifiedHead> => {
      await req.beforeStore?.(head);
      if (store) await state.write(note);
      return head;
    };
    if (state.stored === undefined) {
      return accept({ ...base, relation: { $case: 'first-use' } });
    }
    const old = openStored(state.stored, req, origin, state.path);
    const previous = { size: old.size, note: state.stored };
    const evidence = {
      registry: req.registry,
      storedNote: state.stored,
      statePath: state.path,
      servedNote: note,
      env,
    };
    if (checkpoint.size === old.size) {
      if (!hashesEqual(checkpoint.root, old.root))
        throw await misbehaviour('AUDIT_LOG_FORK', evidence, {
          headline: `the registry signed two different trees of the same size ${old.size}`,
        });
      return accept({ ...base, previous, relation: { $case: 'same', size: old.size } }, false);
    }
    if (checkpoint.size < old.size)
      throw await misbehaviour('AUDIT_LOG_ROLLBACK', evidence, {
        headline: `the log shrank from ${old.size} to ${checkpoint.size} entries (a rolled-back or stale view of the log: yanks, tag and owner changes after entry ${checkpoint.size} would be hidden)`,
      });
    if (old.size === 0) {
      // Every tree extends the empty tree (its root was checked when the stored note was parsed).
      return accept({ ...base, previous, relation: { $case: 'extends', size: 0, proof: [] } });
    }
    let proof: Buffer[];
    try {
      proof = await req.source.consistencyProof(old.size, checkpoint.size);
    } catch (e) {
      if (e instanceof AamError && e.code === 'NETWORK_ERROR') throw e;
      throw await misbehaviour('AUDIT_LOG_BAD_PROOF', evidence, {
        headline: `the registry did not prove that its tree of ${checkpoint.size} entries extends the one of ${old.size}: ${e instanceof Error ? e.message : String(e)}`,
      });
    }
    let roots;
    try {
      roots = rootsFromConsistency(old.size, checkpoint.size, proof, old.root);
    } catch (e) {
      throw await misbehaviour('AUDIT_LOG_BAD_PROOF', evidence, {
        headline: `the consistency proof from ${old.size} to ${checkpoint.size} is malformed: ${e instanceof Error ? e.message : String(e)}`,
        proof,
      });
    }
    if (!hashesEqual(roots.newRoot, checkpoint.root))
      throw await misbehaviour('AUDIT_LOG_BAD_PROOF', evidence, {
        headline: `the consistency proof from ${old.size} to ${checkpoint.size} does not lead to the served root`,
        proof,
      });
    if (!hashesEqual(roots.oldRoot, old.root))
      // The proof is authentic for the new tree, so this is the new tree's root at the old size: proven fork.
      throw await misbehaviour('AUDIT_LOG_FORK', evidence, {
        headline: `the served tree of ${checkpoint.size} entries does not extend the one of ${old.size} verified before: its first ${old.size} entries differ (history was rewritten)`,
        proof,
        computedOldRoot: roots.oldRoot,
      });
    return accept({ ...base, previous, relation: { $case: 'extends', size: old.size, proof } });
  });
}

function openStored(stored: string, req: VerifyHeadRequest, origin: string, path: string): ParsedCheckpoint {
  try {
    return openCheckpoint(stored, req.vkey, origin).checkpoint;
  } catch (e) {
    throw new AamError(
      'AUDIT_LOG_BAD_STATE',
      `The stored checkpoint of '${req.registry}' (${path}) does not verify under the pinned key ${req.vkey}: ${e instanceof Error ? e.message : String(e)}. It was edited, or the registry was re-added with another key; inspect it, and delete it only if you know why (the next visit is then trust on first use).`,
      { registry: req.registry, state: path },
    );
  }
}

interface Evidence {
  registry: string;
  storedNote: string;
  statePath: string;
  servedNote: string;
  env: NodeJS.ProcessEnv;
}

/** The error for a misbehaving log: both notes verbatim (and the proof), printed and saved. */
async function misbehaviour(
  code: AamErrorCode,
  ev: Evidence,
  what: { headline: string; proof?: Buffer[]; computedOldRoot?: Buffer },
): Promise<AamError> {
  const kind =
    code === 'AUDIT_LOG_FORK'
      ? 'FORK'
      : code === 'AUDIT_LOG_ROLLBACK'
        ? 'ROLLBACK'
        : 'INVALID CONSISTENCY PROOF';
  const lines = [
    `SECURITY ERROR: audit log ${kind} on registry '${ev.registry}': ${what.headline}.`,
    '',
    `Last verified checkpoint (${ev.statePath}):`,
    ev.storedNote.replace(/\n$/, ''),
    '',
    'Checkpoint served now:',
    ev.servedNote.replace(/\n$/, ''),
  ];
  if (what.proof) {
    lines.push('', 'Consistency proof:', ...what.proof.map((h) => `  ${h.toString('base64')}`));
  }
  if (what.computedOldRoot)
    lines.push(
      '',
      `The served tree's root at the old size, computed from the proof: ${what.computedOldRoot.toString('base64')}`,
    );
  const report = lines.join('\n') + '\n';
  const file = await saveEvidence(ev.registry, ev.env, report);
  const advice = `The stored checkpoint was not changed.${file ? ` Evidence saved to ${file}.` : ''} Do not trust this registry until its operator explains this.`;
  return new AamError(code, `${report}\n${advice}`, {
    registry: ev.registry,
    old_checkpoint: ev.storedNote,
    new_checkpoint: ev.servedNote,
    ...(what.proof ? { proof: what.proof.map((h) => h.toString('base64')) } : {}),
    ...(what.computedOldRoot ? { computed_old_root: what.computedOldRoot.toString('base64') } : {}),
    ...(file ? { evidence_file: file } : {}),
  });
}
