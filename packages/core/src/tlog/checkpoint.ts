/**
 * C2SP checkpoints (`c2sp.org/tlog-checkpoint@v1.0.0`): the signed-note text
 * ```
 * <origin>\n<tree size, decimal>\n<base64 root hash>\n[extension lines]
 * ```
 * Parsing is strict and stricter than Go's `tlog.ParseTree`:
 * - the origin must equal the expected one exactly (`AUDIT_LOG_ORIGIN_MISMATCH`);
 * - the size is canonical decimal ("0", or no leading zero, no sign, no exponent) and a safe integer (< 2^53);
 * - the root is the canonical padded standard base64 of exactly 32 bytes, and a size-0 checkpoint must carry the
 *   empty-tree root;
 * - **extension lines are refused by default.** This log never writes them, they are not auditable, and a client
 *   compares checkpoints, so anything it does not understand is refused. `{ allowExtensionLines: true }` accepts
 *   non-empty extension lines and returns them in `extensions`, for display only: never trust them.
 * Everything else is `AUDIT_LOG_BAD_CHECKPOINT`.
 */
import { AamError } from '../errors.js';
import { decodeCanonicalBase64, firstControlByte, hasLoneSurrogate } from './encoding.js';
import { EMPTY_ROOT, HASH_SIZE, hashesEqual } from './hash.js';
import {
  openNote,
  parseVerifierKey,
  signNote,
  type NoteSigner,
  type NoteVerifier,
  type OpenedNote,
} from './note.js';

/** A tree head: the log's origin, its size and the RFC 6962 root of its first `size` leaves. */
export interface Checkpoint {
  origin: string;
  size: number;
  root: Buffer;
}

/** A parsed checkpoint. `extensions` is empty unless extension lines were explicitly allowed. */
export interface ParsedCheckpoint extends Checkpoint {
  extensions: string[];
}

export interface CheckpointParseOptions {
  /** Accept (and return, untrusted) non-empty extension lines after the root. Default false: refuse them. */
  allowExtensionLines?: boolean;
}

function bad(message: string, details: Record<string, unknown> = {}): AamError {
  return new AamError('AUDIT_LOG_BAD_CHECKPOINT', `Malformed checkpoint: ${message}`, details);
}

function requireOrigin(origin: string, what: string): void {
  if (typeof origin !== 'string' || origin === '') throw bad(`${what} is empty`);
  if (
    hasLoneSurrogate(origin) ||
    firstControlByte(Buffer.from(origin, 'utf8')) >= 0 ||
    origin.includes('\n')
  ) {
    throw bad(`${what} ${JSON.stringify(origin)} has a control character or is not well-formed Unicode`);
  }
}

/** The checkpoint text `origin\nsize\nbase64(root)\n` (the body to sign). */
export function formatCheckpoint(checkpoint: Checkpoint): string {
  const { origin, size, root } = checkpoint;
  requireOrigin(origin, 'the origin');
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw bad(`the size must be a safe integer ≥ 0, got ${String(size)}`);
  }
  if (!(root instanceof Uint8Array) || root.length !== HASH_SIZE)
    throw bad(`the root must be ${HASH_SIZE} bytes`);
  if (size === 0 && !hashesEqual(root, EMPTY_ROOT))
    throw bad('a size-0 checkpoint must carry the empty-tree root');
  return `${origin}\n${size}\n${Buffer.from(root).toString('base64')}\n`;
}

const SIZE_RE = /^(?:0|[1-9][0-9]*)$/;

/** Parses checkpoint text strictly (see the module documentation) and checks its origin. */
export function parseCheckpoint(
  text: string,
  expectedOrigin: string,
  options: CheckpointParseOptions = {},
): ParsedCheckpoint {
  requireOrigin(expectedOrigin, 'the expected origin');
  if (typeof text !== 'string' || !text.endsWith('\n')) throw bad('the text must end with a newline');
  if (hasLoneSurrogate(text) || firstControlByte(Buffer.from(text, 'utf8')) >= 0) {
    throw bad('the text has a control character other than newline, or is not well-formed Unicode');
  }
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) throw bad(`expected origin, size and root lines, got ${lines.length} line(s)`);
  const [origin, sizeText, rootText] = lines as [string, string, string];
  if (origin !== expectedOrigin) {
    throw new AamError(
      'AUDIT_LOG_ORIGIN_MISMATCH',
      `The checkpoint is for origin ${JSON.stringify(origin)}, expected ${JSON.stringify(expectedOrigin)}`,
      { origin, expectedOrigin },
    );
  }
  const size = SIZE_RE.test(sizeText) ? Number(sizeText) : NaN;
  if (!Number.isSafeInteger(size)) {
    throw bad(`the size ${JSON.stringify(sizeText)} is not a canonical decimal below 2^53`, {
      size: sizeText,
    });
  }
  const root = rootText.length === 44 ? decodeCanonicalBase64(rootText) : undefined;
  if (root === undefined || root.length !== HASH_SIZE) {
    throw bad(`the root ${JSON.stringify(rootText)} is not the base64 of ${HASH_SIZE} bytes`);
  }
  if (size === 0 && !hashesEqual(root, EMPTY_ROOT))
    throw bad('a size-0 checkpoint must carry the empty-tree root');
  const extensions = lines.slice(3);
  if (extensions.length > 0) {
    if (options.allowExtensionLines !== true) throw bad('extension lines are not accepted');
    if (extensions.some((l) => l === '')) throw bad('an extension line is empty');
  }
  return { origin, size, root, extensions };
}

/** Formats and signs a checkpoint; returns the signed note text. */
export function signCheckpoint(checkpoint: Checkpoint, signers: NoteSigner | readonly NoteSigner[]): string {
  return signNote(formatCheckpoint(checkpoint), signers);
}

/** Verifier keys or parsed verifiers: the log key(s) pinned for an origin. */
export type CheckpointVerifiers = string | NoteVerifier | readonly (string | NoteVerifier)[];

/**
 * Opens a signed checkpoint: the note must carry a valid signature by one of `verifiers` and no failing signature
 * by any of them (see {@link openNote}), and its text must parse strictly with the origin `origin`.
 */
export function openCheckpoint(
  note: string | Uint8Array,
  verifiers: CheckpointVerifiers,
  origin: string,
  options: CheckpointParseOptions = {},
): { checkpoint: ParsedCheckpoint; note: OpenedNote } {
  const list = (Array.isArray(verifiers) ? verifiers : [verifiers]) as readonly (string | NoteVerifier)[];
  const parsed = list.map((v) => (typeof v === 'string' ? parseVerifierKey(v) : v));
  const opened = openNote(note, parsed);
  return { checkpoint: parseCheckpoint(opened.text, origin, options), note: opened };
}
