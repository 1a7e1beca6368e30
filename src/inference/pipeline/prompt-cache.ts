// Text-encoder outputs for recent prompts: candidates of one request share one encoding anyway; this
// keeps them across requests too (a re-run, a new seed, the next live-mode image of an unchanged
// prompt), so only a changed prompt runs the text encoder again. Bounded, least recently used first;
// one per loaded model (pipeline/model.ts).

/** What one encoding yields (encode-prompt.ts's PromptEmbeddings adds how it was obtained). */
export interface CachedEmbeddings {
  cond: Float32Array;
  /** Embedding of the negative prompt ('' when none), present only with classifier-free guidance. */
  uncond?: Float32Array;
  /** [tokens, hidden] of one embedding, e.g. [77, 1024]. */
  shape: [number, number];
  warnings: string[];
}

export class PromptCache {
  private readonly entries = new Map<string, CachedEmbeddings>();

  constructor(readonly maxEntries: number) {}

  /**
   * The key: the text encoder's identity (path, size, mtime of its weights), both prompts and the
   * guidance mode (only guided runs encode the negative prompt).
   */
  static key(textEncoderId: string, prompt: string, negativePrompt: string | undefined, guided: boolean): string {
    return JSON.stringify([textEncoderId, prompt, guided ? negativePrompt ?? '' : null]);
  }

  get(key: string): CachedEmbeddings | undefined {
    const found = this.entries.get(key);
    if (found) {
      this.entries.delete(key);
      this.entries.set(key, found);
    }
    return found;
  }

  set(key: string, value: CachedEmbeddings): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}

/**
 * Entries per loaded model (one entry is 2 × 77 × 1024 floats ≈ 630 KB for SD 2.x; 32 entries ≈ 20 MB).
 * Each loaded model has its own cache, so embeddings never outlive the sessions that made them nor
 * cross from one backend to another; the worker keeps its model loaded, so re-runs hit.
 */
export const PROMPT_CACHE_ENTRIES = 32;
