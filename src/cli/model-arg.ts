// `--model ID|DIR` and `--store DIR`, shared by the commands that load a model (generate, icons) and by
// `models`: the store the options name, and the model folder `--model` (or the default model) means.
import { resolveModelRef, shellWord, type ModelChoice } from '../inference/models/resolve';
import { defaultStoreDir, ModelStore } from '../inference/models/store';
import { stringOption, type ParsedArgs } from './args';

/** `--store DIR`, else $NANOFORGE_MODELS, else ~/.cache/nanoforge/models. */
export function storeFromArgs(parsed: ParsedArgs): ModelStore {
  return new ModelStore(stringOption(parsed, 'store') ?? defaultStoreDir());
}

/** What a suggested command must repeat to reach the same store (`--store DIR`, or nothing). */
export function storeArgs(parsed: ParsedArgs): string | undefined {
  const dir = stringOption(parsed, 'store');
  return dir === undefined ? undefined : `--store ${shellWord(dir)}`;
}

export async function modelFromArgs(parsed: ParsedArgs): Promise<ModelChoice> {
  return resolveModelRef(storeFromArgs(parsed), stringOption(parsed, 'model'), { storeArgs: storeArgs(parsed) });
}
