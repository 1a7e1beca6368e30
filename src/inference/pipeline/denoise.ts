// Stage 5: the denoising loop. Per step: scale inputs, one batched UNet run (unconditional rows
// first when guiding), classifier-free guidance, scheduler step, progress; cancellation between steps.
import type { Scheduler } from '../schedulers';
import type { GenerateCallbacks, RunCounters, StageTimings } from '../types';
import type { PromptEmbeddings } from './encode-prompt';
import { throwIfAborted } from '../errors';
import type { ImageLatents, LatentShape } from './latents';
import type { LoadedModel } from './model';
import { stepPreview } from './preview';
import { guidanceEmbedding, timestepFeed, unetBatchLimit } from './unet-feeds';

export interface DenoiseJob {
  model: LoadedModel;
  /** One scheduler per image, so any state a scheduler keeps never mixes images. */
  schedulers: Scheduler[];
  images: ImageLatents[];
  embeddings: PromptEmbeddings;
  guidanceScale: number;
  shape: LatentShape;
  callbacks: GenerateCallbacks;
  timings: StageTimings;
  /** Counts UNet runs and preview decodes when given. */
  counters?: RunCounters;
  /**
   * Image-to-image: the first step to run (strengthSchedule's beginIndex; the latents were noised to
   * its level with the scheduler's addNoise). 0, text-to-image, runs the whole schedule.
   */
  beginIndex?: number;
}

interface UnetRow {
  sample: Float32Array;
  text: Float32Array;
}

export async function denoise(job: DenoiseJob): Promise<void> {
  const { schedulers, images, callbacks } = job;
  const first = schedulers[0];
  if (!first) return;
  const begin = job.beginIndex ?? 0;
  const scheduleSteps = first.timesteps.length;
  if (!Number.isInteger(begin) || begin < 0 || begin >= scheduleSteps) {
    throw new RangeError(`begin index ${begin} is outside the schedule of ${scheduleSteps} steps`);
  }
  // Progress counts the steps this run takes: step 1 of 2 for strength 0.5 with 4 steps.
  const totalSteps = scheduleSteps - begin;
  let unetMs = 0;
  for (let step = begin; step < scheduleSteps; step++) {
    throwIfAborted(callbacks.signal);
    const started = performance.now();
    const noise = await predictNoise(job, step);
    const unetStepMs = performance.now() - started;
    job.timings[`unet.${step - begin}`] = unetStepMs;
    unetMs += unetStepMs;
    let previewSource: Float32Array | undefined;
    images.forEach((image, i) => {
      const result = (schedulers[i] as Scheduler).step(noise[i] as Float32Array, step, image.latents, image.rng);
      image.latents = result.prevSample;
      if (i === 0) previewSource = result.predOriginal;
    });
    const preview = callbacks.previews && previewSource ? await stepPreview(job.model, previewSource, job.shape, job.counters) : undefined;
    callbacks.onProgress?.({ step: step - begin + 1, totalSteps, ...(preview ? { preview } : {}) });
  }
  job.timings.unet = unetMs;
}

/** Guided noise prediction per image for this step. */
async function predictNoise(job: DenoiseJob, step: number): Promise<Float32Array[]> {
  const { images, schedulers, embeddings } = job;
  const scaled = images.map((image, i) => (schedulers[i] as Scheduler).scaleModelInput(image.latents, step));
  const uncond = embeddings.uncond;
  const rows: UnetRow[] = [];
  if (uncond) for (const sample of scaled) rows.push({ sample, text: uncond });
  for (const sample of scaled) rows.push({ sample, text: embeddings.cond });
  const timestep = (schedulers[0] as Scheduler).timesteps[step] as number;
  const outputs = await runUnet(job, rows, timestep);
  if (!uncond) return outputs;
  const n = images.length;
  return images.map((_, i) => combineGuidance(outputs[i] as Float32Array, outputs[n + i] as Float32Array, job.guidanceScale));
}

/** uncond + g · (cond − uncond). */
export function combineGuidance(uncond: Float32Array, cond: Float32Array, scale: number): Float32Array {
  const out = new Float32Array(cond.length);
  for (let j = 0; j < cond.length; j++) {
    const u = uncond[j] as number;
    out[j] = u + scale * ((cond[j] as number) - u);
  }
  return out;
}

/** Runs `rows` through the UNet in batches the export accepts; returns one prediction per row. */
async function runUnet(job: DenoiseJob, rows: UnetRow[], timestep: number): Promise<Float32Array[]> {
  const { model, shape, embeddings } = job;
  const limit = unetBatchLimit(model);
  const latentSize = shape.channels * shape.height * shape.width;
  const textSize = embeddings.shape[0] * embeddings.shape[1];
  const timestepInfo = model.unet.inputs.find((i) => i.name === 'timestep');
  if (!timestepInfo) throw new Error(`${model.unet.file}: no 'timestep' input`);
  const outputs: Float32Array[] = [];
  for (let start = 0; start < rows.length; start += limit) {
    const chunk = rows.slice(start, start + limit);
    const batch = chunk.length;
    const sample = new Float32Array(batch * latentSize);
    const text = new Float32Array(batch * textSize);
    chunk.forEach((row, b) => {
      sample.set(row.sample, b * latentSize);
      text.set(row.text, b * textSize);
    });
    const feeds = {
      sample: { values: sample, dims: [batch, shape.channels, shape.height, shape.width] },
      timestep: timestepFeed(timestepInfo, timestep, batch),
      encoder_hidden_states: { values: text, dims: [batch, embeddings.shape[0], embeddings.shape[1]] },
    };
    const cond = guidanceEmbedding(model, job.guidanceScale, batch);
    const out = await model.unet.run(cond ? { ...feeds, timestep_cond: cond } : feeds, ['out_sample']);
    if (job.counters) job.counters.unetRuns++;
    const data = out.out_sample?.data;
    if (!data || data.length !== batch * latentSize) {
      throw new Error(`${model.unet.file}: out_sample has ${data?.length ?? 0} values, expected ${batch * latentSize}`);
    }
    for (let b = 0; b < batch; b++) outputs.push(data.subarray(b * latentSize, (b + 1) * latentSize));
  }
  return outputs;
}
