/**
 * Tamper-evident audit log core: RFC 6962 Merkle trees (hashing, stored-node tree maintenance, proof generation
 * and RFC 9162 verification), C2SP signed notes and checkpoints. Dependency-free (node:crypto only), no I/O.
 */
export { EMPTY_ROOT, HASH_SIZE, hashesEqual, leafHash, nodeHash } from './hash.js';
export {
  consistencyProofLength,
  inclusionProofLength,
  rootFromInclusion,
  rootsFromConsistency,
  verifyConsistency,
  verifyInclusion,
  type ConsistencyRoots,
} from './proof.js';
export {
  appendLeaf,
  consistencyProof,
  inclusionProof,
  MemoryNodeStore,
  rangeHash,
  rootAt,
  type NodeStore,
  type TreeNode,
} from './tree.js';
export {
  formatSignerKey,
  formatVerifierKey,
  generateNoteKey,
  MAX_NOTE_SIGNATURES,
  NOTE_ALG_ED25519,
  noteKeyId,
  openNote,
  parseSignerKey,
  parseVerifierKey,
  signNote,
  type NoteSignature,
  type NoteSigner,
  type NoteVerifier,
  type OpenedNote,
} from './note.js';
export {
  formatCheckpoint,
  openCheckpoint,
  parseCheckpoint,
  signCheckpoint,
  type Checkpoint,
  type CheckpointParseOptions,
  type CheckpointVerifiers,
  type ParsedCheckpoint,
} from './checkpoint.js';
export { addSignedTime, COSIGNATURE_ALG_ED25519, cosignatureKeyId, signedTime } from './cosignature.js';
export { CompactRange } from './compact-range.js';
