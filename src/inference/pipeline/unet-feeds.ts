// How this export wants its UNet inputs: timestep shape from the session metadata, batch limits of
// fixed-shape exports, and an LCM UNet's guidance embedding.
import type { IoInfo, TensorFeed } from '../backend/types';
import type { LoadedModel } from './model';

/** The timestep as the export declares it: [] (rank 0), [1] (fixed), or one per batch row. */
export function timestepFeed(info: IoInfo, timestep: number, batch: number): TensorFeed {
  if (info.shape.length === 0) return { values: [timestep], dims: [] };
  if (info.shape[0] === 1) return { values: [timestep], dims: [1] };
  return { values: new Array<number>(batch).fill(timestep), dims: [batch] };
}

/** Largest UNet batch the export accepts (a fixed first dimension of `sample`), else unbounded. */
export function unetBatchLimit(model: LoadedModel): number {
  const first = model.unet.inputs.find((i) => i.name === 'sample')?.shape[0];
  return typeof first === 'number' && first > 0 ? first : Number.POSITIVE_INFINITY;
}

/** Latent channels: the UNet's declared sample shape, else unet/config.json, else the VAE's. */
export function latentChannels(model: LoadedModel): number {
  const declared = model.unet.inputs.find((i) => i.name === 'sample')?.shape[1];
  if (typeof declared === 'number' && declared > 0) return declared;
  return model.info.unet.inChannels ?? model.info.vae.latentChannels;
}

/**
 * LCM UNets take the guidance scale as a sinusoidal embedding of (w - 1) · 1000 instead of running
 * classifier-free guidance (diffusers' LatentConsistencyModelPipeline.get_guidance_scale_embedding).
 */
export function guidanceEmbedding(model: LoadedModel, guidanceScale: number, batch: number): TensorFeed | undefined {
  const info = model.unet.inputs.find((i) => i.name === 'timestep_cond');
  if (!info) return undefined;
  const declared = info.shape[1];
  const dim = typeof declared === 'number' ? declared : model.info.unet.timeCondProjDim;
  if (!dim) throw new Error(`${model.unet.file}: cannot tell the size of input 'timestep_cond' (no time_cond_proj_dim in unet/config.json)`);
  const w = (guidanceScale - 1) * 1000;
  const half = Math.floor(dim / 2);
  const row = new Float32Array(dim);
  const step = Math.log(10000) / (half - 1);
  for (let k = 0; k < half; k++) {
    const angle = w * Math.exp(-step * k);
    row[k] = Math.sin(angle);
    row[half + k] = Math.cos(angle);
  }
  const values = new Float32Array(dim * batch);
  for (let b = 0; b < batch; b++) values.set(row, b * dim);
  return { values, dims: [batch, dim] };
}
