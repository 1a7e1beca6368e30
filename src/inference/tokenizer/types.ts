// Public shape of the CLIP tokenizer.

export interface EncodedPrompt {
  /** Token ids, always `maxLength` long: start, tokens, end, then padding. */
  ids: number[];
  /** How many text tokens were cut to fit (0 when the prompt fits); the pipeline turns this into a warning. */
  truncatedTokens: number;
}

export interface ClipTokenizer {
  /** 77 for every released CLIP text encoder (tokenizer_config.json `model_max_length`). */
  readonly maxLength: number;
  readonly bosId: number;
  readonly eosId: number;
  /** SD 2.x / SD-Turbo pad with "!" (0); SD 1.x with the end token (49407). */
  readonly padId: number;
  readonly vocabSize: number;
  /** BPE tokens of `text` after clean-up, without start/end (e.g. ['a</w>', 'photo</w>']). */
  tokenize(text: string): string[];
  encode(text: string): EncodedPrompt;
}

/** A tokenizer file that is missing or malformed; names the file. */
export class TokenizerError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(message);
    this.name = 'TokenizerError';
  }
}
