// Stage 2: prompt (and, for classifier-free guidance, the negative prompt) → text embeddings, from
// the cache of recent prompts when the same text encoder already encoded them.
import type { LoadedModel } from './model';
import { PromptCache, type CachedEmbeddings } from './prompt-cache';

export interface PromptEmbeddings extends CachedEmbeddings {
  timings: { tokenize: number; textEncoder: number };
  /** Text-encoder runs this call made (0 when the embeddings came from the cache). */
  encoderRuns: number;
  fromCache: boolean;
}

/** encodePrompt through the model's cache of recent prompts (prompt-cache.ts). */
export async function encodePromptCached(model: LoadedModel, prompt: string, negativePrompt: string | undefined, guidance: boolean, cache: PromptCache = model.promptCache): Promise<PromptEmbeddings> {
  const key = PromptCache.key(model.textEncoderId, prompt, negativePrompt, guidance);
  const cached = cache.get(key);
  if (cached) return { ...cached, warnings: [...cached.warnings], timings: { tokenize: 0, textEncoder: 0 }, encoderRuns: 0, fromCache: true };
  const fresh = await encodePrompt(model, prompt, negativePrompt, guidance);
  cache.set(key, { cond: fresh.cond, ...(fresh.uncond ? { uncond: fresh.uncond } : {}), shape: fresh.shape, warnings: [...fresh.warnings] });
  return fresh;
}

export async function encodePrompt(model: LoadedModel, prompt: string, negativePrompt: string | undefined, guidance: boolean): Promise<PromptEmbeddings> {
  const warnings: string[] = [];
  let started = performance.now();
  const condIds = tokenize(model, prompt, 'Prompt', warnings);
  const uncondIds = guidance ? tokenize(model, negativePrompt ?? '', 'Negative prompt', warnings) : undefined;
  const tokenizeMs = performance.now() - started;
  started = performance.now();
  const cond = await runTextEncoder(model, condIds);
  const uncond = uncondIds ? await runTextEncoder(model, uncondIds) : undefined;
  return {
    cond: cond.data,
    uncond: uncond?.data,
    shape: cond.shape,
    warnings,
    timings: { tokenize: tokenizeMs, textEncoder: performance.now() - started },
    encoderRuns: uncond ? 2 : 1,
    fromCache: false,
  };
}

function tokenize(model: LoadedModel, text: string, label: string, warnings: string[]): number[] {
  const encoded = model.tokenizer.encode(text);
  if (encoded.truncatedTokens > 0) {
    warnings.push(`${label} is too long: the last ${encoded.truncatedTokens} token(s) were cut ` +
      `(the text encoder reads at most ${model.tokenizer.maxLength - 2}).`);
  }
  return encoded.ids;
}

async function runTextEncoder(model: LoadedModel, ids: number[]): Promise<{ data: Float32Array; shape: [number, number] }> {
  const out = await model.textEncoder.run({ input_ids: { values: ids, dims: [1, ids.length] } }, ['last_hidden_state']);
  const hidden = out.last_hidden_state;
  if (!hidden || hidden.dims.length !== 3) throw new Error(`${model.textEncoder.file}: last_hidden_state is not [1, tokens, hidden]`);
  return { data: hidden.data, shape: [hidden.dims[1] ?? 0, hidden.dims[2] ?? 0] };
}
