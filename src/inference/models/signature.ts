// What the pipeline needs from each session's inputs and outputs, checked once at load time so a
// wrong export fails with the file, the name and what was found instead of deep inside a run.
import type { IoInfo } from '../backend/types';
import { ModelFolderError } from './errors';
import { MODEL_FILES } from './folder';

interface IoSpec {
  name: string;
  ranks: readonly number[];
  types?: readonly string[];
  /** Optional inputs are fed when present (e.g. an LCM UNet's `timestep_cond`). */
  optional?: boolean;
}

interface SessionSpec {
  file: string;
  inputs: readonly IoSpec[];
  outputs: readonly IoSpec[];
}

const FLOATS = ['float32', 'float16'] as const;

export const TEXT_ENCODER_SPEC: SessionSpec = {
  file: MODEL_FILES.textEncoder,
  inputs: [{ name: 'input_ids', ranks: [2], types: ['int32', 'int64'] }],
  outputs: [{ name: 'last_hidden_state', ranks: [3], types: FLOATS }],
};

export const UNET_SPEC: SessionSpec = {
  file: MODEL_FILES.unet,
  inputs: [
    { name: 'sample', ranks: [4], types: FLOATS },
    { name: 'timestep', ranks: [0, 1], types: ['float32', 'float16', 'int64'] },
    { name: 'encoder_hidden_states', ranks: [3], types: FLOATS },
    { name: 'timestep_cond', ranks: [2], types: FLOATS, optional: true },
  ],
  outputs: [{ name: 'out_sample', ranks: [4], types: FLOATS }],
};

export const VAE_DECODER_SPEC: SessionSpec = {
  file: MODEL_FILES.vaeDecoder,
  inputs: [{ name: 'latent_sample', ranks: [4], types: FLOATS }],
  outputs: [{ name: 'sample', ranks: [4], types: FLOATS }],
};

/** Throws a ModelFolderError for the first mismatch between a session and `spec`. */
export function checkSignature(dir: string, spec: SessionSpec, inputs: readonly IoInfo[], outputs: readonly IoInfo[]): void {
  checkSide(dir, spec.file, 'input', spec.inputs, inputs);
  checkSide(dir, spec.file, 'output', spec.outputs, outputs);
  const known = new Set(spec.inputs.map((s) => s.name));
  const extra = inputs.filter((i) => !known.has(i.name));
  if (extra.length > 0) {
    throw new ModelFolderError(dir, spec.file,
      `needs input(s) ${extra.map((i) => `'${i.name}'`).join(', ')} that Nanoforge does not provide ` +
      `(supported inputs: ${[...known].join(', ')}); this looks like a model family other than SD 1.x/2.x/Turbo/LCM`);
  }
}

function checkSide(dir: string, file: string, side: 'input' | 'output', specs: readonly IoSpec[], found: readonly IoInfo[]): void {
  for (const spec of specs) {
    const info = found.find((f) => f.name === spec.name);
    if (!info) {
      if (spec.optional) continue;
      const names = found.map((f) => `'${f.name}'`).join(', ') || 'none';
      throw new ModelFolderError(dir, file, `has no ${side} named '${spec.name}'; its ${side}s are: ${names}`);
    }
    // An empty shape means "rank 0" or "shape unknown" in onnxruntime's metadata; only rank-0-capable specs accept it as 0.
    const rank = info.shape.length;
    if (rank > 0 || spec.ranks.includes(0)) {
      if (!spec.ranks.includes(rank)) {
        throw new ModelFolderError(dir, file,
          `${side} '${spec.name}' has rank ${rank} (shape [${info.shape.join(', ')}]); expected rank ${spec.ranks.join(' or ')}`);
      }
    }
    if (spec.types && !spec.types.includes(info.type)) {
      throw new ModelFolderError(dir, file, `${side} '${spec.name}' has element type ${info.type}; expected ${spec.types.join(' or ')}`);
    }
  }
}

/**
 * What a VAE encoder export returns: optimum's current exports give `latent_parameters` (the
 * posterior's mean and log-variance stacked on the channel axis, 2 × latent channels); older optimum
 * exports and TAESD-class encoders give `latent_sample`. An older full-VAE export samples the posterior
 * inside the graph (a RandomNormalLike node we cannot seed), so its latents vary slightly from run to
 * run; with `latent_parameters` we take the mean and a seed gives the same pixels every time.
 */
export type EncoderOutput = 'latent_parameters' | 'latent_sample';
const ENCODER_OUTPUTS: readonly EncoderOutput[] = ['latent_parameters', 'latent_sample'];

/** Checks a VAE encoder session (`sample` in, one of ENCODER_OUTPUTS out) and says which output it has. */
export function checkEncoderSignature(dir: string, file: string, inputs: readonly IoInfo[], outputs: readonly IoInfo[]): EncoderOutput {
  const output = ENCODER_OUTPUTS.find((name) => outputs.some((o) => o.name === name));
  if (!output) {
    const names = outputs.map((o) => `'${o.name}'`).join(', ') || 'none';
    throw new ModelFolderError(dir, file, `has no output named 'latent_parameters' or 'latent_sample' (what diffusers/optimum VAE encoders return); its outputs are: ${names}`);
  }
  checkSignature(dir, {
    file,
    inputs: [{ name: 'sample', ranks: [4], types: FLOATS }],
    outputs: [{ name: output, ranks: [4], types: FLOATS }],
  }, inputs, outputs);
  return output;
}

/** A TAESD-class decoder has the full decoder's signature, in its own folder. */
export const TINY_DECODER_SPEC: SessionSpec = { ...VAE_DECODER_SPEC, file: MODEL_FILES.vaeDecoderTiny };
