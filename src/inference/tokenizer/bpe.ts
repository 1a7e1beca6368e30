// Byte-pair encoding with CLIP's `</w>` word-end marker and a per-word cache.

export const WORD_END = '</w>';

export class BytePairEncoder {
  private readonly cache = new Map<string, string[]>();

  /** @param ranks merge pair `"a b"` → priority (lower merges first), in merges.txt order */
  constructor(private readonly ranks: ReadonlyMap<string, number>) {}

  /** Splits one byte-level word into vocabulary pieces; the last piece carries `</w>`. */
  encodeWord(word: string): string[] {
    const cached = this.cache.get(word);
    if (cached) return cached;
    const symbols = Array.from(word);
    if (symbols.length === 0) return [];
    symbols[symbols.length - 1] += WORD_END;
    const pieces = this.mergeAll(symbols);
    this.cache.set(word, pieces);
    return pieces;
  }

  private mergeAll(symbols: string[]): string[] {
    let word = symbols;
    while (word.length > 1) {
      const best = this.lowestRankPair(word);
      if (best === undefined) break;
      word = mergePair(word, best[0], best[1]);
    }
    return word;
  }

  private lowestRankPair(word: string[]): [string, string] | undefined {
    let bestRank = Infinity;
    let best: [string, string] | undefined;
    for (let i = 0; i + 1 < word.length; i++) {
      const first = word[i] as string;
      const second = word[i + 1] as string;
      const rank = this.ranks.get(`${first} ${second}`);
      if (rank !== undefined && rank < bestRank) {
        bestRank = rank;
        best = [first, second];
      }
    }
    return best;
  }
}

/** Replaces every non-overlapping `first second` pair, scanning left to right. */
function mergePair(word: string[], first: string, second: string): string[] {
  const merged: string[] = [];
  let i = 0;
  while (i < word.length) {
    if (word[i] === first && i + 1 < word.length && word[i + 1] === second) {
      merged.push(first + second);
      i += 2;
    } else {
      merged.push(word[i] as string);
      i += 1;
    }
  }
  return merged;
}
