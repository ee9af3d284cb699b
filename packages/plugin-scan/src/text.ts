/** A file's bytes as text: UTF-8 when they are valid UTF-8 with no NUL byte, else undefined (binary). */
export function asText(bytes: Uint8Array): string | undefined {
  if (bytes.includes(0)) return undefined;
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/** The 1-based line of a string index (counts the newlines before it). */
export function lineOf(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** Shannon entropy of a string, in bits per character. */
export function entropy(s: string): number {
  const counts = new Map<string, number>();
  for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/** At most this many findings per rule and file: one file full of matches says what it needs to in a few. */
export const MAX_PER_RULE_AND_FILE = 5;

/** Lets timers and I/O run between files: the registry's time budget can then stop a scan of many files. */
export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
