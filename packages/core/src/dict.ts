/**
 * A record with no prototype, for maps keyed by data: package names, tags, file paths. A plain object answers
 * `constructor`, `toString` or `__proto__` from Object.prototype (a package named `constructor`, a file named
 * `toString` in an archive), and `obj[key] = v` with `__proto__` would replace its prototype; a dict answers
 * only what was put in it.
 */
export function dict<T>(from?: Record<string, T> | Iterable<readonly [string, T]>): Record<string, T> {
  const out = Object.create(null) as Record<string, T>;
  if (!from) return out;
  const entries = Symbol.iterator in from ? from : Object.entries(from);
  for (const [k, v] of entries as Iterable<readonly [string, T]>)
    Object.defineProperty(out, k, { value: v, writable: true, enumerable: true, configurable: true });
  return out;
}
