/**
 * Runs `work` for every item with at most `concurrency` of them in progress. Items are
 * pulled lazily, so a long list costs no more memory than the items in progress. After
 * the first failure no new item starts; the ones running finish (they are expected to
 * stop soon through their own abort signal) and the first failure is thrown.
 */
export async function forEachConcurrently<T>(
  items: Iterable<T>,
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  const iterator = items[Symbol.iterator]();
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure) {
      const next = iterator.next();
      if (next.done) return;
      try {
        await work(next.value);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  if (failure) throw failure.error;
}
