// Built-in verification of a converted model folder: the original and the converted text encoder,
// UNet (a few calls at fixed seeds and timesteps) and VAE decoder run on the same inputs, then the
// whole pipeline makes one small image both ways. The conversion is "good" only when every error
// is within THRESHOLDS (documented in README.md beside this file and in `nanoforge quantize --help`).
import { onnxBackend } from '../../backend/onnx';
import type { IoInfo, TensorFeed } from '../../backend/types';
import { throwIfAborted } from '../../errors';
import { loadModel, type LoadedModel } from '../../pipeline/model';
import { createRng } from '../../pipeline/rng';
import { loadTextToImage } from '../../pipeline/text-to-image';
import { timestepFeed } from '../../pipeline/unet-feeds';
import { createScheduler } from '../../schedulers';
import type { DeviceName, RgbImage } from '../../types';
import { openTinyDecoder } from '../../pipeline/autoencoder-sessions';

export type VerifyTarget = 'fp16' | 'int8' | 'int4';

/** Largest relative mean error per model and smallest image PSNR (dB) a "good" conversion may have. */
export const THRESHOLDS: Readonly<Record<VerifyTarget, { relMean: number; psnr: number }>> = Object.freeze({
  fp16: { relMean: 0.01, psnr: 30 },
  int8: { relMean: 0.05, psnr: 24 },
  int4: { relMean: 0.1, psnr: 20 },
});

export interface VerifyOptions {
  device?: DeviceName;
  prompt?: string;
  seed?: number;
  /** Image side in pixels (a multiple of 8, ≥ 64). */
  size?: number;
  steps?: number;
  signal?: AbortSignal;
  onStage?: (message: string) => void;
}

export interface ErrorStats {
  maxAbs: number;
  meanAbs: number;
  /** Mean |reference| over the same values, so errors can be read relative to the signal. */
  meanRef: number;
  /** meanAbs / meanRef. */
  relMean: number;
}

export interface VerificationReport {
  device: string;
  thresholds: { relMean: number; psnr: number };
  textEncoder: ErrorStats;
  unet: ErrorStats & { calls: { seed: number; timestep: number; maxAbs: number; meanAbs: number }[] };
  vaeDecoder: ErrorStats;
  /** The tiny decoder (vae_decoder_tiny/), when the folder has one. */
  tinyDecoder?: ErrorStats;
  image: { prompt: string; width: number; height: number; steps: number; seed: number; psnr: number; maxPixelDiff: number };
  passed: boolean;
  failures: string[];
}

export function errorStats(reference: Float32Array, actual: Float32Array): ErrorStats {
  if (reference.length !== actual.length) throw new Error(`output sizes differ: ${reference.length} vs ${actual.length}`);
  let maxAbs = 0, sumAbs = 0, sumRef = 0;
  for (let i = 0; i < reference.length; i++) {
    const r = reference[i] ?? 0;
    const d = Math.abs(r - (actual[i] ?? 0));
    if (!(d <= maxAbs)) maxAbs = d; // NaN counts as the worst error
    sumAbs += d;
    sumRef += Math.abs(r);
  }
  const n = Math.max(1, reference.length);
  const meanAbs = sumAbs / n;
  const meanRef = sumRef / n;
  return { maxAbs, meanAbs, meanRef, relMean: meanRef > 0 ? meanAbs / meanRef : meanAbs };
}

function merge(stats: ErrorStats[]): ErrorStats {
  const meanAbs = stats.reduce((a, s) => a + s.meanAbs, 0) / Math.max(1, stats.length);
  const meanRef = stats.reduce((a, s) => a + s.meanRef, 0) / Math.max(1, stats.length);
  return { maxAbs: Math.max(0, ...stats.map((s) => s.maxAbs)), meanAbs, meanRef, relMean: meanRef > 0 ? meanAbs / meanRef : meanAbs };
}

/** PSNR of two 8-bit images in dB; identical images give Infinity (reported as 99 in JSON). */
export function psnr(a: RgbImage, b: RgbImage): { psnr: number; maxPixelDiff: number } {
  let sq = 0, maxDiff = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = (a.data[i] ?? 0) - (b.data[i] ?? 0);
    sq += d * d;
    maxDiff = Math.max(maxDiff, Math.abs(d));
  }
  const mse = sq / Math.max(1, a.data.length);
  return { psnr: mse === 0 ? 99 : Math.min(99, 10 * Math.log10((255 * 255) / mse)), maxPixelDiff: maxDiff };
}

/** Zeros for an input the checks do not know (symbolic dims become 1). */
function zerosFor(io: IoInfo): TensorFeed {
  const dims = io.shape.map((d) => (typeof d === 'number' && d > 0 ? d : 1));
  return { values: new Float32Array(dims.reduce((a, b) => a * b, 1)), dims };
}

interface Inputs { ids: number[]; hidden: Float32Array; hiddenDims: number[]; latentH: number; latentW: number; channels: number }

async function checkTextEncoder(a: LoadedModel, b: LoadedModel, prompt: string): Promise<{ stats: ErrorStats; inputs: Inputs }> {
  const ids = a.tokenizer.encode(prompt).ids;
  const feed = { input_ids: { values: ids, dims: [1, ids.length] } };
  const ref = (await a.textEncoder.run(feed, ['last_hidden_state'])).last_hidden_state;
  const got = (await b.textEncoder.run(feed, ['last_hidden_state'])).last_hidden_state;
  if (!ref || !got) throw new Error('text encoder gave no last_hidden_state');
  const channels = a.info.unet.inChannels ?? a.info.vae.latentChannels;
  return { stats: errorStats(ref.data, got.data), inputs: { ids, hidden: ref.data, hiddenDims: ref.dims, latentH: 0, latentW: 0, channels } };
}

async function checkUnet(a: LoadedModel, b: LoadedModel, inp: Inputs, signal?: AbortSignal): Promise<VerificationReport['unet']> {
  const scheduler = createScheduler(a.info.scheduler.config);
  scheduler.setTimesteps(4);
  const ts = [...scheduler.timesteps];
  const picks = [ts[0], ts[Math.floor(ts.length / 2)], ts[ts.length - 1]].filter((t): t is number => t !== undefined);
  const calls: VerificationReport['unet']['calls'] = [];
  const all: ErrorStats[] = [];
  for (const seed of [1, 2]) {
    for (const timestep of picks) {
      throwIfAborted(signal, 'Verification of the converted model cancelled.');
      const sample = createRng(seed).normal(inp.channels * inp.latentH * inp.latentW);
      const feeds: Record<string, TensorFeed> = {};
      for (const io of a.unet.inputs) {
        if (io.name === 'sample') feeds[io.name] = { values: sample, dims: [1, inp.channels, inp.latentH, inp.latentW] };
        else if (io.name === 'timestep') feeds[io.name] = timestepFeed(io, timestep, 1);
        else if (io.name === 'encoder_hidden_states') feeds[io.name] = { values: inp.hidden, dims: inp.hiddenDims };
        else feeds[io.name] = zerosFor(io);
      }
      const ref = (await a.unet.run(feeds, ['out_sample'])).out_sample;
      const got = (await b.unet.run(feeds, ['out_sample'])).out_sample;
      if (!ref || !got) throw new Error('UNet gave no out_sample');
      const s = errorStats(ref.data, got.data);
      all.push(s);
      calls.push({ seed, timestep, maxAbs: s.maxAbs, meanAbs: s.meanAbs });
    }
  }
  return { ...merge(all), calls };
}

async function checkVae(a: LoadedModel, b: LoadedModel, inp: Inputs): Promise<ErrorStats> {
  const latent = createRng(3).normal(a.info.vae.latentChannels * inp.latentH * inp.latentW);
  const feeds = { latent_sample: { values: latent, dims: [1, a.info.vae.latentChannels, inp.latentH, inp.latentW] } };
  // The full VAE decoder opens on first use (pipeline/model.ts).
  const ref = (await (await a.fullDecoder()).session.run(feeds, ['sample'])).sample;
  const got = (await (await b.fullDecoder()).session.run(feeds, ['sample'])).sample;
  if (!ref || !got) throw new Error('VAE decoder gave no sample');
  return errorStats(ref.data, got.data);
}

/** Both tiny decoders on the same seeded latent; undefined when the folder has none. */
async function checkTinyDecoder(a: LoadedModel, b: LoadedModel, device: DeviceName, inp: Inputs, stage: (m: string) => void): Promise<ErrorStats | undefined> {
  if (!a.info.autoencoders.tinyDecoder) return undefined;
  stage('comparing tiny decoders');
  const latentChannels = a.info.vae.latentChannels;
  const latent = createRng(4).normal(latentChannels * inp.latentH * inp.latentW);
  const feeds = { latent_sample: { values: latent, dims: [1, latentChannels, inp.latentH, inp.latentW] } };
  const outputs: Float32Array[] = [];
  for (const model of [a, b]) {
    const decoder = await openTinyDecoder(model.info, onnxBackend, { device });
    try {
      const sample = (await decoder.session.run(feeds, ['sample'])).sample;
      if (!sample) throw new Error(`${decoder.session.file}: no output 'sample'`);
      outputs.push(sample.data);
    } finally {
      await decoder.release();
    }
  }
  return errorStats(outputs[0] as Float32Array, outputs[1] as Float32Array);
}

async function compareImages(original: string, converted: string, device: DeviceName, req: VerificationReport['image'], signal?: AbortSignal): Promise<{ psnr: number; maxPixelDiff: number }> {
  const images: RgbImage[] = [];
  for (const dir of [original, converted]) {
    const pipeline = await loadTextToImage(dir, onnxBackend, { device });
    try {
      const guidanceScale = 0; // one deterministic path for every model kind; guidance is linear on top
      const result = await pipeline.generate({ prompt: req.prompt, width: req.width, height: req.height, steps: req.steps, guidanceScale, seed: req.seed, count: 1, decoder: 'full' }, { signal });
      const image = result.images[0];
      if (!image) throw new Error(`${dir}: the pipeline returned no image`);
      images.push(image);
    } finally {
      await pipeline.dispose();
    }
  }
  const [a, b] = images as [RgbImage, RgbImage];
  return psnr(a, b);
}

export async function verifyConversion(original: string, converted: string, target: VerifyTarget, opts: VerifyOptions = {}): Promise<VerificationReport> {
  const device = opts.device ?? 'cpu';
  const size = opts.size ?? 128;
  const prompt = opts.prompt ?? 'a red apple on a white table';
  const seed = opts.seed ?? 42;
  const stage = opts.onStage ?? (() => undefined);
  const thresholds = THRESHOLDS[target];
  stage('loading both models');
  const a = await loadModel(original, onnxBackend, { device });
  let b: LoadedModel | undefined;
  try {
    b = await loadModel(converted, onnxBackend, { device });
    stage('comparing text encoders');
    const te = await checkTextEncoder(a, b, prompt);
    const inputs = { ...te.inputs, latentH: size / a.info.vae.latentToPixel, latentW: size / a.info.vae.latentToPixel };
    stage('comparing UNets (2 seeds × 3 timesteps)');
    const unet = await checkUnet(a, b, inputs, opts.signal);
    stage('comparing VAE decoders');
    const vaeDecoder = await checkVae(a, b, inputs);
    const tinyDecoder = await checkTinyDecoder(a, b, device, inputs, stage);
    stage(`generating a ${size}×${size} image with both models`);
    const image = { prompt, width: size, height: size, steps: opts.steps ?? 2, seed, psnr: 0, maxPixelDiff: 0 };
    Object.assign(image, await compareImages(original, converted, device, image, opts.signal));
    const failures: string[] = [];
    const check = (name: string, s: ErrorStats) => {
      if (!(s.relMean <= thresholds.relMean)) failures.push(`${name}: relative mean error ${s.relMean.toPrecision(3)} > ${thresholds.relMean}`);
    };
    check('text encoder', te.stats);
    check('UNet', unet);
    check('VAE decoder', vaeDecoder);
    if (tinyDecoder) check('tiny decoder', tinyDecoder);
    if (!(image.psnr >= thresholds.psnr)) failures.push(`image: PSNR ${image.psnr.toFixed(1)} dB < ${thresholds.psnr} dB`);
    return { device, thresholds, textEncoder: te.stats, unet, vaeDecoder, ...(tinyDecoder ? { tinyDecoder } : {}), image, passed: failures.length === 0, failures };
  } finally {
    await Promise.all([a.release(), b?.release()]);
  }
}
