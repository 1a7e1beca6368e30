// CLIP BPE tokenizer (the behaviour of Hugging Face's slow CLIPTokenizer), loaded from a model's tokenizer/ folder.
import * as path from 'node:path';
import { BytePairEncoder } from './bpe';
import { toByteLevel } from './bytes';
import { cleanPrompt } from './clean';
import { readTokenizerFiles, type TokenizerFiles } from './files';
import { TokenizerError, type ClipTokenizer, type EncodedPrompt } from './types';

export { TokenizerError, type ClipTokenizer, type EncodedPrompt } from './types';
export { cleanPrompt } from './clean';

const START = '<|startoftext|>';
const END = '<|endoftext|>';
/** Every released CLIP text encoder has 77 positions. */
const DEFAULT_MAX_LENGTH = 77;

/** CLIP's split pattern: special tokens, English contractions, letter runs, single digits, symbol runs. */
const SPLIT = /<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+/giu;

class BpeClipTokenizer implements ClipTokenizer {
  readonly maxLength: number;
  readonly bosId: number;
  readonly eosId: number;
  readonly padId: number;
  readonly vocabSize: number;
  private readonly vocab: Map<string, number>;
  private readonly bpe: BytePairEncoder;
  private readonly unkId: number;

  constructor(files: TokenizerFiles, vocabFile: string) {
    this.vocab = files.vocab;
    this.vocabSize = files.vocab.size;
    this.bpe = new BytePairEncoder(files.mergeRanks);
    this.maxLength = files.modelMaxLength ?? DEFAULT_MAX_LENGTH;
    const idOf = (token: string, role: string): number => {
      const id = files.vocab.get(token);
      if (id === undefined) throw new TokenizerError(vocabFile, `Tokenizer file ${vocabFile} has no ${role} token ${JSON.stringify(token)}.`);
      return id;
    };
    this.bosId = idOf(files.special.bos ?? START, 'start');
    this.eosId = idOf(files.special.eos ?? END, 'end');
    this.unkId = idOf(files.special.unk ?? END, 'unknown');
    // HF's CLIPTokenizer defaults the pad token to the end token (SD 1.x); SD 2.x configs say "!".
    this.padId = idOf(files.special.pad ?? END, 'padding');
  }

  tokenize(text: string): string[] {
    const pieces: string[] = [];
    for (const match of cleanPrompt(text).matchAll(SPLIT)) {
      const word = match[0];
      if (word === START || word === END) pieces.push(word);
      else pieces.push(...this.bpe.encodeWord(toByteLevel(word)));
    }
    return pieces;
  }

  encode(text: string): EncodedPrompt {
    const tokenIds = this.tokenize(text).map((piece) => this.vocab.get(piece) ?? this.unkId);
    const room = this.maxLength - 2;
    const kept = tokenIds.slice(0, room);
    const ids = [this.bosId, ...kept, this.eosId];
    while (ids.length < this.maxLength) ids.push(this.padId);
    return { ids, truncatedTokens: Math.max(0, tokenIds.length - room) };
  }
}

/** Loads `dir/vocab.json` + `dir/merges.txt` (+ optional tokenizer_config.json, special_tokens_map.json). */
export async function loadTokenizer(dir: string): Promise<ClipTokenizer> {
  const files = await readTokenizerFiles(dir);
  return new BpeClipTokenizer(files, path.join(dir, 'vocab.json'));
}
