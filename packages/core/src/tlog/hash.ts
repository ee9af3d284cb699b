/**
 * RFC 6962 §2.1 Merkle tree hashing (identical in RFC 9162 §2.1.1), SHA-256 only.
 *
 * - leaf:  SHA-256(0x00 ‖ entry bytes)
 * - node:  SHA-256(0x01 ‖ left ‖ right)
 * - empty tree: SHA-256("")
 *
 * Every function returns a fresh 32-byte Buffer (`crypto.hash(…, 'buffer')` allocates its own backing store), so
 * callers may keep or mutate results freely. Inputs are copied into module-level scratch buffers, which is safe
 * because hashing is synchronous.
 */
import { hash } from 'node:crypto';
import { AamError } from '../errors.js';

/** Size of every hash in the log, in bytes. */
export const HASH_SIZE = 32;

/**
 * Root of the empty tree, SHA-256("") = e3b0c442…b855. Shared: treat as read-only (copy before mutating).
 */
export const EMPTY_ROOT: Buffer = hash('sha256', Buffer.alloc(0), 'buffer');

const nodeInput = Buffer.alloc(1 + 2 * HASH_SIZE);
nodeInput[0] = 0x01;

// Entries up to this size are hashed without allocating an input buffer (audit entries are a few hundred bytes).
const leafScratch = Buffer.allocUnsafe(1 + 8192);

/** RFC 6962 leaf hash of the exact entry bytes: SHA-256(0x00 ‖ entry). */
export function leafHash(entry: Uint8Array): Buffer {
  if (entry.length < leafScratch.length) {
    leafScratch[0] = 0x00;
    leafScratch.set(entry, 1);
    return hash('sha256', leafScratch.subarray(0, entry.length + 1), 'buffer');
  }
  const input = Buffer.allocUnsafe(entry.length + 1);
  input[0] = 0x00;
  input.set(entry, 1);
  return hash('sha256', input, 'buffer');
}

/** RFC 6962 interior node hash: SHA-256(0x01 ‖ left ‖ right). Both inputs must be 32 bytes. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  if (left.length !== HASH_SIZE || right.length !== HASH_SIZE) {
    throw new AamError(
      'AUDIT_LOG_BAD_PROOF',
      `Merkle node inputs must be ${HASH_SIZE} bytes each, got ${left.length} and ${right.length}`,
    );
  }
  nodeInput.set(left, 1);
  nodeInput.set(right, 1 + HASH_SIZE);
  return hash('sha256', nodeInput, 'buffer');
}

/** Byte equality of two hashes (roots and hashes are public, so no constant-time compare is needed). */
export function hashesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}
