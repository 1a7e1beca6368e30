// Child process for the int8 benchmark's memory row: opens the text encoder, the UNet and the tiny
// decoder (vae_decoder_tiny/) of ONE model folder in a fresh process, runs prompt → 1 UNet step →
// tiny decode at the given size and prints one JSON line with the peak RSS (VmHWM) and stage times,
// so the memory belongs to that folder alone (the worker's set minus the full VAE, which the
// tiny-decoder work leaves unloaded).
//   node --require tsx/cjs bench/lib/int8-probe.ts <modelDir> <size>
import { readFileSync } from 'node:fs';
import { openSessionSet } from '../../src/inference/backend/onnx';
import type { ModelSession } from '../../src/inference/backend/types';
import { createRng } from '../../src/inference/pipeline/rng';
import { timestepFeed } from '../../src/inference/pipeline/unet-feeds';

function vmHwm(): number {
  const kb = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  return kb ? Number(kb) * 1024 : process.resourceUsage().maxRSS * 1024;
}

async function main(): Promise<void> {
  const [dir, sizeText] = process.argv.slice(2);
  if (!dir || !sizeText) throw new Error('usage: int8-probe <modelDir> <size>');
  const side = Number(sizeText) / 8;
  let started = performance.now();
  const set = await openSessionSet(dir, [{ file: 'text_encoder/model.onnx' }, { file: 'unet/model.onnx' }, { file: 'vae_decoder_tiny/model.onnx' }], 'cpu');
  const loadMs = performance.now() - started;
  const [te, unet, tiny] = set.sessions as [ModelSession, ModelSession, ModelSession];
  const ids = [49406, 320, 1215, 8223, 539, 320, 736, 3055, 49407, ...new Array<number>(68).fill(49407)];
  started = performance.now();
  const hidden = (await te.run({ input_ids: { values: ids, dims: [1, 77] } }, ['last_hidden_state'])).last_hidden_state;
  const textMs = performance.now() - started;
  if (!hidden) throw new Error('no last_hidden_state');
  const timestep = unet.inputs.find((i) => i.name === 'timestep');
  if (!timestep) throw new Error('no timestep input');
  started = performance.now();
  const out = await unet.run({
    sample: { values: createRng(1).normal(4 * side * side), dims: [1, 4, side, side] },
    timestep: timestepFeed(timestep, 999, 1),
    encoder_hidden_states: { values: hidden.data, dims: hidden.dims },
  }, ['out_sample']);
  const unetMs = performance.now() - started;
  started = performance.now();
  await tiny.run({ latent_sample: { values: out.out_sample?.data ?? new Float32Array(0), dims: [1, 4, side, side] } }, ['sample']);
  const decodeMs = performance.now() - started;
  process.stdout.write(`${JSON.stringify({ loadMs, textMs, unetMs, decodeMs, peakRss: vmHwm() })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
