/**
 * `job(item, i)` for every item, at most `width` running at once (started in order); the results in the items'
 * order. The first failure rejects (the jobs already running finish on their own).
 */
export async function mapBounded<T, R>(
  items: readonly T[],
  width: number,
  job: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(Math.max(1, width), items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await job(items[i]!, i);
      }
    }),
  );
  return out;
}
