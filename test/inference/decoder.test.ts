// The decode stage: which decoder runs (auto/tiny/full), where the tiny decoder comes from (the
// model's vae_decoder_tiny/, or the store's taesd paired by latent family, with its own output range),
// the full VAE opened only when a decode needs it, kept latents decoded again with the full VAE,
// tiny-decoder previews, and the prompt-embedding cache. Real onnxruntime, oracle models.
import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { ensureFixtures, type Fixtures } from '../fixtures/models';
import { oracleSpec, VARIANTS } from '../../scripts/make-test-models';
import { buildVaeDecoder } from '../../scripts/lib/oracle-graphs';
import { decodeKeptAsset, generateAsset, KeptLatentsStore, loadPipeline, onnxBackend, type InferenceBackend, type Pipeline, type PipelineRequest } from '../../src/inference';
import { chooseDecoder } from '../../src/inference/pipeline/decoders';
import { PromptCache } from '../../src/inference/pipeline/prompt-cache';
import { downsampleLatents } from '../../src/inference/pipeline/preview';
import { latentFamilyOf, findTinyDecoder, tinyDecoderOffer } from '../../src/inference/models/tiny-decoder';
import { validateModelFolder } from '../../src/inference/models/folder';
import { COLOURS, meanColour, insideDisc, outsideDisc } from './pipeline-helpers';

const base: PipelineRequest = { prompt: 'a green circle on white', width: 128, height: 96, steps: 1, guidanceScale: 0, seed: 1, count: 1 };

/** The backend, recording every file it is asked to open and every run of each session. */
function countingBackend(): { backend: InferenceBackend; opened: string[]; runs: Map<string, number> } {
  const opened: string[] = [];
  const runs = new Map<string, number>();
  const backend: InferenceBackend = {
    name: 'counting onnxruntime',
    acquireSessions: async (dir, files, device, options) => {
      opened.push(...files.map((f) => f.file));
      const held = await onnxBackend.acquireSessions(dir, files, device, options);
      const sessions = held.set.sessions.map((s) => ({
        file: s.file, inputs: s.inputs, outputs: s.outputs,
        run: (feeds: Parameters<typeof s.run>[0], names: string[]) => {
          runs.set(s.file, (runs.get(s.file) ?? 0) + 1);
          return s.run(feeds, names);
        },
      }));
      return { set: { ...held.set, sessions }, release: held.release };
    },
  };
  return { backend, opened, runs };
}

/** Centre and corner colours of a green-on-white disc image. */
function discColours(img: { width: number; height: number; data: Uint8Array }): { inside: number[]; outside: number[] } {
  return { inside: meanColour(img, insideDisc(img)).map(Math.round), outside: meanColour(img, outsideDisc(img)).map(Math.round) };
}

describe('decode stage', function () {
  this.timeout(120_000);
  let fx: Fixtures;
  let tmp: string;
  const pipelines: Pipeline[] = [];

  async function open(name: Parameters<Fixtures['path']>[0], options: Parameters<typeof loadPipeline>[1] = {}): Promise<Pipeline> {
    const p = await loadPipeline(fx.path(name), { device: 'cpu', ...options });
    pipelines.push(p);
    return p;
  }

  /** A store holding a taesd preview decoder for oracle-sd1's latents, with `config` as its config.json. */
  async function storeWithTaesd(config: Record<string, unknown> | undefined): Promise<string> {
    const store = await fs.mkdtemp(path.join(tmp, 'store-'));
    const spec = oracleSpec(VARIANTS.find((v) => v.name === 'oracle-sd1') ?? assert.fail('oracle-sd1'));
    // A raw TAESD-style decoder: reads the UNet's latents as they are and returns [0, 1].
    await fs.mkdir(path.join(store, 'taesd', 'vae_decoder'), { recursive: true });
    await buildVaeDecoder(spec, 1, 'oracle_taesd_decoder', [0, 1]).save(path.join(store, 'taesd', 'vae_decoder', 'model.onnx'));
    if (config) await fs.writeFile(path.join(store, 'taesd', 'vae_decoder', 'config.json'), JSON.stringify(config));
    return store;
  }

  before(async function () {
    this.timeout(180_000);
    fx = await ensureFixtures();
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'nanoforge-decoder-'));
  });

  afterEach(async () => {
    await Promise.all(pipelines.splice(0).map((p) => p.dispose()));
  });

  after(async () => {
    await fs.rm(tmp, { recursive: true, force: true });
  });

  it('chooses the tiny decoder on the CPU and the full VAE on GPU providers; explicit choices win; tiny without one is an error', () => {
    assert.equal(chooseDecoder('auto', 'cpu', true), 'tiny');
    assert.equal(chooseDecoder('auto', 'cpu', false), 'full');
    for (const gpu of ['cuda', 'webgpu', 'dml', 'coreml'] as const) assert.equal(chooseDecoder('auto', gpu, true), 'full');
    assert.equal(chooseDecoder('full', 'cpu', true), 'full');
    assert.equal(chooseDecoder('tiny', 'cuda', true), 'tiny');
    assert.throws(() => chooseDecoder('tiny', 'cpu', false), { name: 'InvalidRequestError', field: 'decoder', message: /no tiny decoder.*models pull taesd/ });
  });

  it('oracle-tiny gives the same colours with either decoder, reports which ran, and opens the full VAE only when it is asked for', async () => {
    const { backend, opened, runs } = countingBackend();
    const p = await open('oracle-tiny', { backend });
    assert.equal(p.info.tinyDecoder, 'vae_decoder_tiny');
    assert.deepEqual(opened, ['text_encoder/model.onnx', 'unet/model.onnx', 'vae_decoder_tiny/model.onnx'], 'no vae_decoder at load time');
    const auto = await p.generate(base);
    assert.deepEqual([auto.decoder.kind, auto.decoder.source], ['tiny', 'vae_decoder_tiny']);
    assert.ok(!opened.includes('vae_decoder/model.onnx'), 'a tiny decode does not open the full VAE');
    const full = await p.generate({ ...base, decoder: 'full' });
    assert.deepEqual([full.decoder.kind, full.decoder.source], ['full', 'vae_decoder']);
    await p.generate({ ...base, decoder: 'full', seed: 2 });
    assert.equal(opened.filter((f) => f === 'vae_decoder/model.onnx').length, 1, 'opened once, then reused');
    assert.deepEqual([runs.get('vae_decoder_tiny/model.onnx'), runs.get('vae_decoder/model.onnx')], [1, 2]);
    for (const r of [auto, full]) {
      const img = r.images[0] ?? assert.fail('no image');
      assert.deepEqual(discColours(img), { inside: COLOURS.green, outside: COLOURS.white });
      assert.equal(r.counters.decoderRuns, 1);
    }
    assert.ok(Buffer.from(auto.images[0]!.data).equals(Buffer.from(full.images[0]!.data)), 'the oracle decoders agree to the pixel');
  });

  it('oracle-tiny-soft: the tiny decoder pulls colours 25 % towards grey, the full VAE decodes the same latents exactly', async () => {
    const p = await open('oracle-tiny-soft');
    const tiny = await p.generate({ ...base, keepLatents: true });
    assert.equal(tiny.decoder.kind, 'tiny');
    const kept = tiny.images[0]?.latents ?? assert.fail('no latents kept');
    const full = await p.decode(kept, 1, { decoder: 'full' });
    assert.equal(full.decoder.kind, 'full');
    // 127.5 + 0.75·(c − 127.5) per channel (TINY_SOFT_GAIN): green 0,128,0 → 32,128,32; white → 223.
    assert.deepEqual(discColours(tiny.images[0]!), { inside: [32, 128, 32], outside: [223, 223, 223] });
    assert.deepEqual(discColours(full.image), { inside: COLOURS.green, outside: COLOURS.white });
  });

  it('a model without a tiny decoder decodes with the full VAE on auto and refuses an explicit tiny', async () => {
    const p = await open('oracle-fp32');
    assert.equal(p.info.tinyDecoder, undefined);
    assert.equal((await p.generate(base)).decoder.kind, 'full');
    await assert.rejects(p.generate({ ...base, decoder: 'tiny' }), { name: 'InvalidRequestError', field: 'decoder' });
  });

  it('pairs the store\'s taesd with SD 1.x/2.x latents only, and decodes with its own output range', async () => {
    const sd1 = await validateModelFolder(fx.path('oracle-sd1'));
    assert.equal(latentFamilyOf(sd1), 'sd');
    assert.equal(latentFamilyOf(await validateModelFolder(fx.path('oracle-fp32'))), 'sdxl', 'scaling 0.13025');
    const store = await storeWithTaesd({ _class_name: 'AutoencoderTiny', scaling_factor: 1, output_range: [0, 1] });
    assert.deepEqual(await tinyDecoderOffer(sd1), { id: 'taesd', name: 'TAESD tiny autoencoder (preview decoder)', approxDownloadBytes: 10_000_000 });
    assert.equal(await tinyDecoderOffer(sd1, store), undefined, 'installed: nothing to offer');
    const found = await findTinyDecoder(sd1, store);
    assert.deepEqual(found && { origin: found.origin, file: found.file, range: found.outputRange }, { origin: 'taesd', file: 'vae_decoder/model.onnx', range: [0, 1] });
    assert.equal(await findTinyDecoder(await validateModelFolder(fx.path('oracle-fp32')), store), undefined, 'an SDXL-family model does not take it');
    const p = await open('oracle-sd1', { storeDir: store, graphCache: false });
    assert.equal(p.info.tinyDecoder, 'taesd');
    const r = await p.generate({ ...base, steps: 2 });
    assert.deepEqual([r.decoder.kind, r.decoder.source], ['tiny', 'taesd']);
    assert.deepEqual(discColours(r.images[0]!), { inside: COLOURS.green, outside: COLOURS.white });
  });

  it('reads the output range from the config: the same [0, 1] decoder read as [-1, 1] gives other colours', async () => {
    const store = await storeWithTaesd(undefined);
    const p = await open('oracle-sd1', { storeDir: store, graphCache: false });
    const r = await p.generate({ ...base, steps: 2 });
    // (x + 1) / 2 of a value already in [0, 1]: 0 → 127.5 and green's 0.502 → 191.5 (float32 rounds them down).
    assert.deepEqual(discColours(r.images[0]!).inside, [127, 191, 127]);
    const bad = await storeWithTaesd({ output_range: [0, 255] });
    await assert.rejects(loadPipeline(fx.path('oracle-sd1'), { device: 'cpu', storeDir: bad }), { name: 'ModelFolderError', message: /output_range.*valid: \[-1, 1\] or \[0, 1\]/ });
  });

  it('keeps latents and decodes a chosen candidate again with the full VAE, rendered as before', async () => {
    const { backend, opened } = countingBackend();
    const p = await open('oracle-tiny', { backend });
    const kept = new KeptLatentsStore(2);
    const req = { prompt: 'a green circle on white', kind: 'illustration' as const, width: 96, height: 64, format: 'png' as const, steps: 1, seed: 3, count: 2 };
    const result = await generateAsset(p, req, {}, { keep: kept });
    assert.equal(result.decoder.kind, 'tiny');
    const ids = result.candidates.map((c) => c.latentsId ?? assert.fail('no latentsId'));
    assert.equal(kept.size, 2);
    assert.ok(!opened.includes('vae_decoder/model.onnx'));
    const again = await decodeKeptAsset(p, kept, ids[1]!);
    assert.equal(again.decoder.kind, 'full');
    assert.ok(opened.includes('vae_decoder/model.onnx'), 'the full VAE opened for the full-quality decode');
    assert.deepEqual([again.asset.width, again.asset.height, again.asset.format, again.asset.seed], [96, 64, 'png', 4]);
    const pixels = async (bytes: Uint8Array) => (await sharp(bytes).removeAlpha().raw().toBuffer()).toString('hex');
    assert.equal(await pixels(again.asset.bytes), await pixels(result.candidates[1]!.bytes), 'same image (the oracle decoders agree)');
    // Bounded: a third kept candidate pushes out the oldest.
    await generateAsset(p, { ...req, count: 1 }, {}, { keep: kept });
    assert.equal(kept.size, 2);
    await assert.rejects(decodeKeptAsset(p, kept, ids[0]!), { name: 'LatentsNotFoundError' });
    await assert.rejects(decodeKeptAsset(p, kept, 'latents-nope'), /not kept any more.*generate the image again/);
  });

  it('previews each step with the tiny decoder, at most 256 px, when the model has one', async () => {
    const p = await open('oracle-tiny');
    const previews: Array<{ w: number; h: number; colour: number[] }> = [];
    const r = await p.generate({ ...base, width: 512, height: 512, steps: 2 }, {
      previews: true,
      onProgress: (e) => { if (e.preview) previews.push({ w: e.preview.width, h: e.preview.height, colour: meanColour(e.preview, insideDisc(e.preview, 8)).map(Math.round) }); },
    });
    assert.equal(previews.length, 2);
    for (const pv of previews) assert.deepEqual(pv, { w: 256, h: 256, colour: COLOURS.green });
    assert.equal(r.counters.previewDecodes, 2);
    const halved = downsampleLatents(Float32Array.from([1, 3, 5, 7, 2, 4, 6, 8]), { channels: 2, height: 2, width: 2 }, 1);
    assert.deepEqual([Array.from(halved.data), halved.shape], [[4, 5], { channels: 2, height: 1, width: 1 }]);
  });

  it('reuses text-encoder outputs for a re-run and across candidates; a new prompt or guidance mode encodes again', async () => {
    const { backend, runs } = countingBackend();
    const p = await open('oracle-tiny', { backend });
    const te = (): number => runs.get('text_encoder/model.onnx') ?? 0;
    const first = await p.generate({ ...base, count: 3 });
    assert.deepEqual([first.counters.textEncoderRuns, first.counters.promptCacheHits, te()], [1, 0, 1], 'one encoding for three candidates');
    const rerun = await p.generate({ ...base, seed: 9 });
    assert.deepEqual([rerun.counters.textEncoderRuns, rerun.counters.promptCacheHits, te()], [0, 1, 1], 'the re-run skips the text encoder');
    assert.equal(rerun.timings.textEncoder, 0);
    assert.deepEqual(discColours(rerun.images[0]!), { inside: COLOURS.green, outside: COLOURS.white });
    const other = await p.generate({ ...base, prompt: 'a red circle on white' });
    assert.deepEqual([other.counters.textEncoderRuns, te()], [1, 2]);
    const guidedRun = await p.generate({ ...base, guidanceScale: 2 });
    assert.deepEqual([guidedRun.counters.textEncoderRuns, te()], [2, 4], 'guided: prompt and negative prompt, a separate entry');
    const another = await open('oracle-tiny');
    assert.equal((await another.generate({ ...base, seed: 9 })).counters.textEncoderRuns, 1, 'the cache belongs to one loaded model, not the process');
    const cache = new PromptCache(2);
    for (const k of ['a', 'b', 'c']) cache.set(k, { cond: new Float32Array(1), shape: [1, 1], warnings: [] });
    assert.deepEqual([cache.size, cache.get('a'), cache.get('c') !== undefined], [2, undefined, true]);
    assert.notEqual(PromptCache.key('te', 'p', 'n', true), PromptCache.key('te', 'p', 'n', false));
    assert.equal(PromptCache.key('te', 'p', 'n', false), PromptCache.key('te', 'p', 'other', false), 'unguided runs ignore the negative prompt');
  });
});
