import { distance } from 'fastest-levenshtein';

/**
 * The candidate closest to what was typed, when it is close enough to be a typo: an edit distance of 1 for
 * words of up to 3 letters, else a third of the longer word (at least 2, at most 3); or the typed word being a
 * prefix of exactly one candidate.
 * Used for "did you mean" on config keys, commands, flags and registry names.
 */
export function closest(typed: string, candidates: Iterable<string>): string | undefined {
  const list = [...new Set(candidates)].filter((c) => c !== typed);
  let best: string | undefined;
  let bestDistance = Infinity;
  const letters = (s: string) => [...s.toLowerCase()].sort().join('');
  for (const c of list) {
    const d = distance(typed.toLowerCase(), c.toLowerCase());
    // On a tie, a transposition (`lsit` → `list`, same letters) beats a substitution (`lsit` → `init`).
    if (d < bestDistance || (d === bestDistance && letters(c) === letters(typed))) {
      best = c;
      bestDistance = d;
    }
  }
  const longer = Math.max(typed.length, best?.length ?? 0);
  const limit = longer <= 3 ? 1 : Math.min(3, Math.max(2, Math.floor(longer / 3)));
  if (best !== undefined && bestDistance <= limit) return best;
  const prefixed = list.filter((c) => typed.length >= 3 && c.startsWith(typed));
  return prefixed.length === 1 ? prefixed[0] : undefined;
}

/** ` (did you mean 'x'?)`, or nothing when no candidate is close. */
export function didYouMean(typed: string, candidates: Iterable<string>, quote = "'"): string {
  const c = closest(typed, candidates);
  return c === undefined ? '' : ` (did you mean ${quote}${c}${quote}?)`;
}
