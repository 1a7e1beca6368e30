// Text-encoder outputs for recent prompts: candidates of one request share one encoding anyway; this
// keeps them across requests too (a re-run, a new seed, the next live-mode image of an unchanged
// prompt), so only a changed prompt runs the text encoder again. Bounded, least recently used first.
import type { PromptEmbeddings } from './encode-prompt';

export type CachedEmbeddings = Omit<PromptEmbeddings, 'timings' | 'encoderRuns' | 'fromCache'>;

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
 * The process's cache (one entry is 2 × 77 × 1024 floats ≈ 630 KB for SD 2.x; 32 entries ≈ 20 MB).
 * Shared by every pipeline, so a model switched away and back keeps its prompts.
 */
export const promptCache = new PromptCache(32);
