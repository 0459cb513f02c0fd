/**
 * Merges several async iterables into one, yielding each value as soon as
 * its source produces it (no ordering between sources). Each source has at
 * most one `next()` outstanding, so a source is read one value ahead at
 * most. An error in any source ends the merge with that error.
 */
export async function* mergeAsync<T>(sources: readonly AsyncIterable<T>[]): AsyncGenerator<T> {
  const its = sources.map((s) => s[Symbol.asyncIterator]());
  const pending = new Map<number, Promise<{ i: number; r: IteratorResult<T> }>>();
  const pull = (i: number): void => {
    const it = its[i];
    if (it) pending.set(i, it.next().then((r) => ({ i, r })));
  };
  for (let i = 0; i < its.length; i++) pull(i);
  try {
    while (pending.size > 0) {
      const { i, r } = await Promise.race(pending.values());
      if (r.done) {
        pending.delete(i);
        continue;
      }
      pull(i);
      yield r.value;
    }
  } finally {
    // Stopped early (consumer break or an error): end the others too.
    for (const i of pending.keys()) its[i]?.return?.()?.catch(() => undefined);
  }
}
