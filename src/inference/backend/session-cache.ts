// Memoised, reference-counted loads keyed by model folder + device (the transformers.js habit):
// concurrent callers share one load, a failed load is evicted so a retry can succeed, and the value
// is released when the last holder lets go.

interface Entry<T> {
  promise: Promise<T>;
  holders: number;
}

export class SharedLoads<T> {
  private readonly entries = new Map<string, Entry<T>>();

  constructor(private readonly release: (value: T) => Promise<void>) {}

  /** The value for `key`, loading it once; every successful `acquire` needs one `releaseKey`. */
  async acquire(key: string, load: () => Promise<T>): Promise<T> {
    let entry = this.entries.get(key);
    if (!entry) {
      const created: Entry<T> = { promise: load(), holders: 0 };
      entry = created;
      this.entries.set(key, created);
      created.promise.catch(() => {
        // Evict the failed load (the caller sees the rejection) so the next acquire retries.
        if (this.entries.get(key) === created) this.entries.delete(key);
      });
    }
    entry.holders++;
    try {
      return await entry.promise;
    } catch (error) {
      entry.holders--;
      throw error;
    }
  }

  async releaseKey(key: string): Promise<void> {
    const entry = this.entries.get(key);
    if (!entry) return;
    entry.holders--;
    if (entry.holders > 0) return;
    this.entries.delete(key);
    await this.release(await entry.promise);
  }

  get size(): number {
    return this.entries.size;
  }
}
