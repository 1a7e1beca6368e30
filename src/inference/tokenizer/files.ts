// Reading the tokenizer folder: vocab.json, merges.txt and the optional configs, with errors naming the file.
import * as path from 'node:path';
import { readTextFileBounded, TooLargeError } from '../safety/bounded';
import { describeRange, describeValue, inRange, ownValue, type NumberRange } from '../safety/ranges';
import { TokenizerError } from './types';

/** CLIP's vocab.json is 1.6 MB and merges.txt 0.5 MB; configs a few KiB. */
const TOKENIZER_FILE_MAX_BYTES = 32 * 1024 * 1024;
/** Token ids travel as int32 or int64 tensors and index the embedding table: int32 is the bound. */
const MAX_TOKEN_ID = 2 ** 31 - 1;
/**
 * tokenizer_config.json `model_max_length`: every prompt is padded to it (CLIP: 77; long-prompt
 * CLIPs a few hundred). transformers saves an unset length as int(1e30); values from 1e20 up are
 * read as that "unset", which leaves the text encoder's own limit in charge.
 */
export const MODEL_MAX_LENGTH_RANGE: NumberRange = Object.freeze({ integer: true, min: 2, max: 4096 });
const UNSET_MAX_LENGTH = 1e20;

export interface TokenizerFiles {
  vocab: Map<string, number>;
  /** `"a b"` → rank, in file order. */
  mergeRanks: Map<string, number>;
  /** Special-token strings and max length from tokenizer_config.json / special_tokens_map.json. */
  special: { bos?: string; eos?: string; pad?: string; unk?: string };
  modelMaxLength?: number;
}

async function readText(file: string, required: boolean): Promise<string | undefined> {
  try {
    return await readTextFileBounded(file, TOKENIZER_FILE_MAX_BYTES);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !required) return undefined;
    if (err instanceof TooLargeError) throw new TokenizerError(file, `Tokenizer file ${file} is too large (more than ${err.limit} bytes).`);
    const why = code === 'ENOENT' ? 'is missing' : `cannot be read (${code ?? String(err)})`;
    throw new TokenizerError(file, `Tokenizer file ${file} ${why}.`);
  }
}

function parseJsonObject(file: string, text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new TokenizerError(file, `Tokenizer file ${file} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TokenizerError(file, `Tokenizer file ${file} must hold a JSON object.`);
  }
  return value as Record<string, unknown>;
}

function parseVocab(file: string, text: string): Map<string, number> {
  const vocab = new Map<string, number>();
  for (const [token, id] of Object.entries(parseJsonObject(file, text))) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > MAX_TOKEN_ID) {
      throw new TokenizerError(file, `Tokenizer file ${file}: token ${JSON.stringify(token).slice(0, 60)} has id ${JSON.stringify(id)}, expected an integer from 0 to ${MAX_TOKEN_ID}.`);
    }
    vocab.set(token, id);
  }
  if (vocab.size === 0) throw new TokenizerError(file, `Tokenizer file ${file} has no tokens.`);
  return vocab;
}

function parseMerges(file: string, text: string): Map<string, number> {
  const ranks = new Map<string, number>();
  const lines = text.split(/\r?\n/);
  let rank = 0;
  lines.forEach((line, index) => {
    if (line === '' || line.startsWith('#version')) return;
    const parts = line.split(' ');
    if (parts.length !== 2 || parts[0] === '' || parts[1] === '') {
      throw new TokenizerError(file, `Tokenizer file ${file} is malformed at line ${index + 1}: expected two symbols separated by one space, got ${JSON.stringify(line.slice(0, 60))}.`);
    }
    ranks.set(line, rank++); // a repeated pair keeps its later rank, as a Python dict would
  });
  if (ranks.size === 0) throw new TokenizerError(file, `Tokenizer file ${file} has no merges.`);
  return ranks;
}

/** A special token in a config is either a string or an AddedToken object `{ content: "..." }`. */
function tokenContent(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  const content = ownValue(value, 'content');
  return typeof content === 'string' ? content : undefined;
}

export async function readTokenizerFiles(dir: string): Promise<TokenizerFiles> {
  const vocabFile = path.join(dir, 'vocab.json');
  const mergesFile = path.join(dir, 'merges.txt');
  const configFile = path.join(dir, 'tokenizer_config.json');
  const mapFile = path.join(dir, 'special_tokens_map.json');
  const [vocabText, mergesText, configText, mapText] = await Promise.all([
    readText(vocabFile, true), readText(mergesFile, true), readText(configFile, false), readText(mapFile, false),
  ]);
  const config = configText === undefined ? {} : parseJsonObject(configFile, configText);
  const map = mapText === undefined ? {} : parseJsonObject(mapFile, mapText);
  const pick = (key: string): string | undefined => tokenContent(ownValue(config, key)) ?? tokenContent(ownValue(map, key));
  return {
    vocab: parseVocab(vocabFile, vocabText as string),
    mergeRanks: parseMerges(mergesFile, mergesText as string),
    special: { bos: pick('bos_token'), eos: pick('eos_token'), pad: pick('pad_token'), unk: pick('unk_token') },
    modelMaxLength: readMaxLength(configFile, ownValue(config, 'model_max_length')),
  };
}

/** `model_max_length` in range, absent/null/"unset" → undefined, anything else a TokenizerError naming it. */
function readMaxLength(file: string, value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && value >= UNSET_MAX_LENGTH) return undefined;
  if (inRange(value, MODEL_MAX_LENGTH_RANGE)) return value;
  throw new TokenizerError(file, `Tokenizer file ${file}: field 'model_max_length' is ${describeValue(value)}; valid: ${describeRange(MODEL_MAX_LENGTH_RANGE)} (or 1e20 and above for "unset").`);
}
