// Image-to-image at the request level (generateAsset, as the CLI and the worker call it) on the oracle
// models with real onnxruntime and sharp: how many UNet steps a strength runs, the result's predicted
// dependence on the start image (test/fixtures/README.md "Image-to-image"), the fit of a start image of
// another aspect ratio, keep-alpha, and a mockup seeded from a wireframe keeping its layout.
import * as assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import sharp from 'sharp';
import { IMG2IMG_PULL } from '../../scripts/make-test-models';
import { ensureFixtures, type Fixtures } from '../fixtures/models';
import { decodeKeptAsset, generateAsset, KeptLatentsStore, loadPipeline, placeWireframe, parseLayout, strengthSchedule, WIREFRAME_COLOURS, type GenerationRequest, type Pipeline, type SchedulerConfig } from '../../src/inference';
import { setRunObserver } from '../../src/inference/backend/onnx';
import { wireframeRects } from '../../src/inference/image/wireframe-draw';
import { predictedColour, predictOracleImg2Img } from './img2img-helpers';

const BLUE = [0, 0, 255];
const GREY = [128, 128, 128];
const RED = [220, 30, 30];
const GREEN = [30, 160, 60];

interface Pixels {
  width: number;
  height: number;
  channels: number;
  at(x: number, y: number): number[];
}

async function pixels(bytes: Uint8Array): Promise<Pixels> {
  const { data, info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
  return {
    width: info.width, height: info.height, channels: info.channels,
    at: (x, y) => [...data.subarray((y * info.width + x) * info.channels, (y * info.width + x + 1) * info.channels)],
  };
}

/** A PNG drawn by `colourAt(x, y)` (RGBA). */
async function png(width: number, height: number, colourAt: (x: number, y: number) => readonly number[]): Promise<Uint8Array> {
  const raw = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) raw.set([...colourAt(x, y).slice(0, 3), colourAt(x, y)[3] ?? 255], (y * width + x) * 4);
  return new Uint8Array(await sharp(raw, { raw: { width, height, channels: 4 } }).png().toBuffer());
}

function near(got: readonly number[], want: readonly number[], tolerance: number, what: string): void {
  assert.ok(want.every((v, c) => Math.abs((got[c] ?? NaN) - v) <= tolerance), `${what}: got ${got.join(',')}, expected ${want.map((v) => v.toFixed(1)).join(',')} (±${tolerance})`);
}

describe('image-to-image requests (oracle, generateAsset)', function () {
  this.timeout(180_000);
  let fx: Fixtures;
  let p: Pipeline;
  let unetRuns = 0;

  before(async () => {
    fx = await ensureFixtures();
    p = await loadPipeline(fx.path('oracle-img2img'), { device: 'cpu' });
    setRunObserver((file) => { if (file.includes('unet')) unetRuns++; });
  });
  after(async () => {
    setRunObserver(undefined);
    await p?.dispose();
  });

  let schedulerConfig: SchedulerConfig;
  before(async () => {
    schedulerConfig = JSON.parse(await readFile(path.join(fx.path('oracle-img2img'), 'scheduler', 'scheduler_config.json'), 'utf8')) as SchedulerConfig;
  });
  /** The predicted shares of start image, prompt and noise in the final latent for this run (euler). */
  const share = (steps: number, strength: number) =>
    predictOracleImg2Img({ config: schedulerConfig, scheduler: 'euler', steps, beginIndex: strengthSchedule(steps, strength).beginIndex, pull: IMG2IMG_PULL });

  it('runs int(steps × strength) UNet steps, reports them as the progress, and raises the default steps until one runs', async () => {
    const start = await png(64, 64, () => RED);
    const base: GenerationRequest = { prompt: 'a blue apple', width: 64, height: 64, initImage: start, seed: 1 };
    for (const [steps, strength, runs] of [[4, 1, 4], [4, 0.75, 3], [4, 0.5, 2], [4, 0.25, 1], [10, 0.35, 3], [2, 0.5, 1]] as const) {
      unetRuns = 0;
      const progress: number[][] = [];
      await generateAsset(p, { ...base, steps, strength }, { onProgress: (e) => progress.push([e.step, e.totalSteps]) });
      assert.equal(unetRuns, runs, `${steps} steps × ${strength}`);
      assert.deepEqual(progress, Array.from({ length: runs }, (_, i) => [i + 1, runs]));
    }
    // No --steps: the turbo default (2) would run int(2 × 0.3) = 0 steps, so 4 are planned and one runs.
    unetRuns = 0;
    const r = await generateAsset(p, { ...base, strength: 0.3 });
    assert.equal(unetRuns, 1);
    assert.equal(r.candidates[0]?.metadata?.steps, 4);
    assert.equal(r.candidates[0]?.metadata?.strength, 0.3);
    // A step count given explicitly is kept, and refused in the words of the schedule.
    unetRuns = 0;
    await assert.rejects(generateAsset(p, { ...base, strength: 0.3, steps: 2 }),
      (e: Error & { field?: string }) => e.name === 'InvalidRequestError' && e.field === 'strength' && /steps × strength must be ≥ 1 \(int\(2 × 0\.3\) = 0\); use strength ≥ 0\.5 or at least 4 steps/.test(e.message));
    assert.equal(unetRuns, 0, 'refused before the UNet ran');
  });

  it('lands every 8×8 block on the predicted blend of its start colour and the prompt, for each strength', async () => {
    // Blocks of 8×8 output pixels, each a colour of its own (the oracle encoder averages 8×8 run pixels).
    const palette = (bx: number, by: number): number[] => [(bx * 37 + by * 11 + 20) % 256, (bx * 53 + by * 97 + 40) % 256, (bx * 13 + by * 71 + 60) % 256];
    const start = await png(64, 64, (x, y) => palette(x >> 3, y >> 3));
    for (const [steps, strength] of [[4, 0.5], [4, 1], [2, 0.5]] as const) {
      const r = await generateAsset(p, { prompt: 'a blue apple', width: 64, height: 64, initImage: start, strength, steps, seed: 9, scheduler: 'euler' });
      const out = await pixels(r.candidates[0]!.bytes);
      const prediction = share(steps, strength);
      assert.ok(prediction.init > 0.1, `${steps} × ${strength}: the start image keeps a share (${prediction.init})`);
      for (let by = 0; by < 8; by++) {
        for (let bx = 0; bx < 8; bx++) near(out.at(bx * 8 + 4, by * 8 + 4), predictedColour(prediction, palette(bx, by), BLUE), 2, `${steps} × ${strength} block ${bx},${by}`);
      }
    }
  });

  it('fits a start image of another aspect ratio with the fit mode outputs use (cover, contain, stretch)', async () => {
    // 128×64: red left half, green right half; the output is square.
    const start = await png(128, 64, (x) => (x < 64 ? RED : GREEN));
    const half = share(4, 0.5);
    const expect = (init: readonly number[]): number[] => predictedColour(half, init, BLUE);
    const run = async (fit: 'cover' | 'contain' | 'stretch'): Promise<Pixels> =>
      pixels((await generateAsset(p, { prompt: 'a blue apple', width: 64, height: 64, initImage: start, strength: 0.5, steps: 4, seed: 2, fit })).candidates[0]!.bytes);
    // cover: the centre 64×64 of the source (x 32..96): red on the left half, green on the right.
    const cover = await run('cover');
    near(cover.at(8, 32), expect(RED), 2, 'cover left');
    near(cover.at(56, 32), expect(GREEN), 2, 'cover right');
    // contain: the whole source in the middle 64×32; the bands above and below are transparent, composited on white.
    const contain = await run('contain');
    near(contain.at(32, 4), expect([255, 255, 255]), 2, 'contain top band');
    near(contain.at(60, 59), expect([255, 255, 255]), 2, 'contain bottom band');
    near(contain.at(8, 32), expect(RED), 2, 'contain left');
    near(contain.at(56, 32), expect(GREEN), 2, 'contain right');
    // stretch: every source column squeezed in, red up to x = 32.
    const stretch = await run('stretch');
    near(stretch.at(4, 8), expect(RED), 2, 'stretch left');
    near(stretch.at(24, 56), expect(RED), 2, 'stretch left, near the middle');
    near(stretch.at(40, 8), expect(GREEN), 2, 'stretch right, near the middle');
  });

  it('composites transparent start pixels on the kind\'s background (placeholder: #e5e7eb)', async () => {
    const start = await png(64, 64, (x) => (x < 32 ? [...RED, 255] : [0, 0, 0, 0]));
    const r = await generateAsset(p, { prompt: 'a blue apple', kind: 'placeholder', width: 64, height: 64, initImage: start, strength: 0.5, steps: 4, seed: 4 });
    const out = await pixels(r.candidates[0]!.bytes);
    near(out.at(8, 32), predictedColour(share(4, 0.5), RED, BLUE), 2, 'opaque half');
    near(out.at(56, 32), predictedColour(share(4, 0.5), [229, 231, 235], BLUE), 2, 'transparent half on the placeholder background');
  });

  it('keep-alpha gives an icon the start image\'s alpha mask; without it the icon\'s background is cut out as usual', async () => {
    // A red square (16..48) on a transparent background.
    const inside = (x: number, y: number): boolean => x >= 16 && x < 48 && y >= 16 && y < 48;
    const start = await png(64, 64, (x, y) => (inside(x, y) ? [...RED, 255] : [0, 0, 0, 0]));
    const request: GenerationRequest = { prompt: 'a blue apple', kind: 'icon', width: 64, height: 64, initImage: start, strength: 0.5, steps: 4, seed: 6 };
    const kept = await pixels((await generateAsset(p, { ...request, keepAlpha: true })).candidates[0]!.bytes);
    assert.equal(kept.channels, 4);
    for (let y = 0; y < 64; y += 3) {
      for (let x = 0; x < 64; x += 3) {
        // Away from the square's edge the alpha is exact; at the edge it is resampled (64 → 512 → 64).
        const edge = Math.min(Math.abs(x - 16), Math.abs(x - 47), Math.abs(y - 16), Math.abs(y - 47)) < 3;
        if (!edge) assert.equal(kept.at(x, y)[3], inside(x, y) ? 255 : 0, `alpha at ${x},${y}`);
      }
    }
    near(kept.at(32, 32).slice(0, 3), predictedColour(share(4, 0.5), RED, BLUE), 2, 'the square\'s colour');
    // Without keep-alpha the transparent border became white, and the icon kind cuts the background out and
    // re-centres the subject: the square then fills the icon up to its padding (not 16 px from each side).
    const cut = await pixels((await generateAsset(p, request)).candidates[0]!.bytes);
    assert.equal(cut.at(8, 32)[3], 255, 'the cut-out subject reaches 8 px from the side');
    assert.equal(kept.at(8, 32)[3], 0);
  });

  it('a mockup seeded from a wireframe keeps the layout: each region lands on the blend of its fill and the prompt', async () => {
    const layout = 'header; sidebar | grid 3x2; footer';
    // 768×512 is a run size of the oracle (native 512): the wireframe is used pixel for pixel.
    for (const [width, height, tolerance] of [[768, 512, 2], [1280, 800, 3]] as const) {
      unetRuns = 0;
      const r = await generateAsset(p, { prompt: 'an analytics dashboard', layout, width, height, seed: 3 });
      const out = await pixels(r.candidates[0]!.bytes);
      assert.deepEqual([out.width, out.height], [width, height]);
      assert.equal(r.candidates[0]?.metadata?.layout, layout);
      assert.equal(r.candidates[0]?.metadata?.kind, undefined, 'the core takes the kind it is given (the CLI implies mockup)');
      // Default strength 0.8 with the turbo default of 2 steps: one step from the last one, P = 0.5.
      assert.equal(unetRuns, 1);
      const prediction = share(2, 0.8);
      const placed = placeWireframe(parseLayout(layout), width, height);
      const rects = wireframeRects(placed).slice(1);
      let checked = 0;
      for (const rect of rects) {
        // A pixel whose 8×8 run block (at the run's scale) lies inside the rectangle and no later one.
        if (rect.width < 40 || rect.height < 40) continue;
        const x = Math.round(rect.x + rect.width / 2);
        const y = Math.round(rect.y + rect.height / 2);
        if (rects.some((other) => other !== rect && rects.indexOf(other) > rects.indexOf(rect) && x >= other.x - 16 && x < other.x + other.width + 16 && y >= other.y - 16 && y < other.y + other.height + 16)) continue;
        near(out.at(x, y), predictedColour(prediction, rect.colour, GREY), tolerance, `${width}×${height} region at ${rect.x},${rect.y} ${rect.width}×${rect.height}`);
        checked++;
      }
      assert.ok(checked >= 5, `checked ${checked} regions`);
      // The header, the sidebar and the footer differ in fill, and so do their results.
      const header = placed.regions.find((g) => g.name === 'header')!;
      const footer = placed.regions.find((g) => g.name === 'footer')!;
      assert.notDeepEqual(WIREFRAME_COLOURS.header, WIREFRAME_COLOURS.footer);
      assert.notDeepEqual(out.at(header.x + 300, header.y + Math.floor(header.height / 2)), out.at(footer.x + 300, footer.y + Math.floor(footer.height / 2)));
    }
  });

  it('decodes with the chosen decoder as text-to-image does, and keeps latents that re-decode with the full VAE and the same alpha mask', async () => {
    // oracle-taesd: tiny encoder, tiny decoder and the full vae_decoder/, all on the same latents.
    const taesd = await loadPipeline(fx.path('oracle-taesd'), { device: 'cpu' });
    try {
      const inside = (x: number, y: number): boolean => x >= 16 && x < 48 && y >= 16 && y < 48;
      const start = await png(64, 64, (x, y) => (inside(x, y) ? [...RED, 255] : [0, 0, 0, 0]));
      const request: GenerationRequest = { prompt: 'a blue apple', kind: 'icon', width: 64, height: 64, initImage: start, strength: 0.5, steps: 4, seed: 6, keepAlpha: true };
      const store = new KeptLatentsStore(4);
      const auto = await generateAsset(taesd, request, {}, { keep: store });
      assert.deepEqual([auto.decoder.kind, auto.decoder.source, auto.counters.decoderRuns], ['tiny', 'vae_decoder_tiny', 1], 'auto on the CPU: the tiny decoder');
      const full = await generateAsset(taesd, { ...request, decoder: 'full' });
      assert.deepEqual([full.decoder.kind, full.decoder.source], ['full', 'vae_decoder']);
      const again = await decodeKeptAsset(taesd, store, auto.candidates[0]!.latentsId ?? assert.fail('no latentsId'));
      assert.deepEqual([again.decoder.kind, again.decoder.source, again.asset.seed], ['full', 'vae_decoder', 6]);
      const [tinyPx, fullPx, againPx] = await Promise.all([auto, full].map((r) => pixels(r.candidates[0]!.bytes)).concat(pixels(again.asset.bytes)));
      for (const [x, y] of [[32, 32], [8, 32], [20, 44], [60, 4]] as const) {
        near(fullPx!.at(x, y), tinyPx!.at(x, y), 2, `full vs tiny decoder at ${x},${y}`);
        // The kept latents re-decode to the full decoder's image, start image's alpha mask included.
        assert.deepEqual(againPx!.at(x, y), fullPx!.at(x, y), `re-decoded at ${x},${y}`);
      }
      assert.deepEqual([againPx!.at(8, 32)[3], againPx!.at(32, 32)[3]], [0, 255], 'the alpha mask of the start image, not a cut-out');
      near(tinyPx!.at(32, 32).slice(0, 3), predictedColour(share(4, 0.5), RED, BLUE), 2, 'the square\'s colour');
    } finally {
      await taesd.dispose();
    }
  });

  it('refuses a model without an encoder and an animated start image before any UNet step, naming what is wrong', async () => {
    const start = await png(16, 16, () => RED);
    const plain = await loadPipeline(fx.path('oracle-fp32'), { device: 'cpu' });
    try {
      assert.equal(plain.info.imageToImage, false);
      assert.equal(p.info.imageToImage, true);
      unetRuns = 0;
      await assert.rejects(generateAsset(plain, { prompt: 'x', width: 64, height: 64, initImage: start }),
        (e: Error) => e.name === 'ModelFolderError' && /oracle-fp32\/vae_encoder: is missing \(and so is vae_encoder_tiny\/\): image-to-image needs an encoder/.test(e.message));
      const frame = (colour: string) => sharp({ create: { width: 8, height: 8, channels: 3, background: colour } }).png().toBuffer();
      const gif = await sharp([await frame('red'), await frame('blue')], { join: { animated: true } }).gif().toBuffer();
      await assert.rejects(generateAsset(p, { prompt: 'x', width: 64, height: 64, initImage: new Uint8Array(gif) }),
        /^StartImageError: the start image is animated \(2 frames\); image-to-image starts from one still image: save the frame you want as PNG$/);
      assert.equal(unetRuns, 0);
    } finally {
      await plain.dispose();
    }
  });
});
