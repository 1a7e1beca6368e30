// Fuzz: the model-folder validator and the schedulers it builds, on generated configs (numbers in
// and far out of range, wrong types, "__proto__"/"constructor" keys, non-objects). Either the folder
// is accepted and every number it yields is inside its documented range, or it is refused with one
// ModelFolderError line naming a config file; the scheduler either builds a finite schedule or
// refuses with SchedulerConfigError / RangeError. Nothing else is thrown, nothing hangs.
import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ModelFolderError, validateModelFolder } from '../../src/inference';
import { MODEL_CONFIG_RANGES, MODEL_FILES } from '../../src/inference/models/folder';
import { createScheduler, SchedulerConfigError, SCHEDULER_NAMES, type SchedulerConfig } from '../../src/inference/schedulers';
import { copyFixture, ensureFixtures } from '../fixtures/models';
import { fc, fuzz, fuzzAsync, printFuzzCount } from '../fixtures/fuzz';

const SUITE = 'model folders and schedulers';
const SCHEDULER_RUNS = 1500;
const FOLDER_RUNS = 150;

const number = fc.oneof(
  fc.constantFrom(0, 1, 2, -1, 0.5, 1e-9, 0.00085, 0.012, 0.999, 1.5, 4, 8, 64, 96, 128, 256, 257, 1000, 1e4, 1e6, 1e9, 1e300, 2 ** 53, -0),
  fc.double({ noNaN: false }),
  fc.integer({ min: -100, max: 20_000 }),
);
const value = fc.oneof({ weight: 6, arbitrary: number }, fc.constantFrom(null, true, false, '12', 'linear', [], {}, [0.1, 0.2], new Array(10).fill(128)));
const SCHEDULER_KEYS = ['_class_name', 'num_train_timesteps', 'beta_start', 'beta_end', 'beta_schedule', 'trained_betas', 'prediction_type', 'timestep_spacing', 'steps_offset',
  'set_alpha_to_one', 'clip_sample', 'clip_sample_range', 'rescale_betas_zero_snr', 'use_karras_sigmas', 'use_exponential_sigmas', 'sigma_min', 'sigma_max', 'timestep_type',
  'final_sigmas_type', 'original_inference_steps', 'timestep_scaling', '__proto__', 'constructor', 'toString'];
const CLASS_NAMES = ['EulerDiscreteScheduler', 'EulerAncestralDiscreteScheduler', 'LCMScheduler', 'DDIMScheduler', '__proto__', 'constructor', 'hasOwnProperty', 'PNDMScheduler'];
const ENUMS: Record<string, string[]> = {
  beta_schedule: ['linear', 'scaled_linear', 'squaredcos_cap_v2', 'cosine'], prediction_type: ['epsilon', 'v_prediction', 'sample', 'flow'],
  timestep_spacing: ['leading', 'trailing', 'linspace', 'uniform'], timestep_type: ['discrete', 'continuous'], final_sigmas_type: ['zero', 'sigma_min'],
};

/** JSON text of an object with exactly these own keys (so "__proto__" really is a key). */
function jsonObject(entries: [string, unknown][]): string {
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v) ?? 'null'}`).join(',')}}`;
}

const schedulerEntries = fc.tuple(
  fc.constantFrom(...CLASS_NAMES),
  fc.array(fc.tuple(fc.constantFrom(...SCHEDULER_KEYS), value), { maxLength: 8 }),
  fc.array(fc.tuple(fc.constantFrom(...Object.keys(ENUMS)), fc.nat()), { maxLength: 3 }),
).map(([className, numbers, enums]): [string, unknown][] => [
  ['_class_name', className], ...numbers, ...enums.map(([k, i]): [string, unknown] => [k, ENUMS[k]?.[i % (ENUMS[k]?.length ?? 1)]]),
]);

describe(`fuzz: ${SUITE}`, function () {
  this.timeout(120_000);
  let dir: string;
  let tmp: string;

  before(async function () {
    this.timeout(180_000);
    await ensureFixtures();
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'nf-fuzz-model-'));
    dir = await copyFixture('oracle-fp32', path.join(tmp, 'model'));
  });
  after(async () => {
    printFuzzCount(SUITE);
    await fs.rm(tmp, { recursive: true, force: true });
  });

  it(`schedulers from generated configs build finite schedules or refuse with a config/range error (${SCHEDULER_RUNS} cases)`, () => {
    fuzz(SUITE, fc.tuple(schedulerEntries, fc.constantFrom(undefined, ...SCHEDULER_NAMES), fc.integer({ min: 1, max: 8 })), ([entries, override, steps]) => {
      const config = JSON.parse(jsonObject(entries)) as SchedulerConfig;
      try {
        const scheduler = createScheduler(config, override);
        assert.ok(scheduler.alphasCumprod.length <= 10_000);
        // rescale_betas_zero_snr makes the last one exactly 0, by design (zero terminal SNR).
        for (const a of scheduler.alphasCumprod) assert.ok(Number.isFinite(a) && a >= 0 && a <= 1, `alpha ${a}`);
        scheduler.setTimesteps(steps);
        assert.equal(scheduler.timesteps.length, steps);
        for (const t of scheduler.timesteps) assert.ok(Number.isFinite(t));
        assert.ok(Number.isFinite(scheduler.initNoiseSigma) && scheduler.initNoiseSigma > 0);
      } catch (error) {
        if (error instanceof assert.AssertionError) throw error;
        assert.ok(error instanceof SchedulerConfigError || error instanceof RangeError, `${(error as Error).name}: ${(error as Error).message}`);
        assert.ok(!(error as Error).message.includes('\n'));
      }
    }, SCHEDULER_RUNS);
  });

  it(`validateModelFolder on generated configs: accepted values are in range, refusals name a config file (${FOLDER_RUNS} cases)`, async () => {
    const unetKeys = ['sample_size', 'in_channels', 'time_cond_proj_dim', '__proto__', 'constructor'];
    const vaeKeys = ['scaling_factor', 'latent_channels', 'block_out_channels', '__proto__'];
    const hostile = fc.record({
      scheduler: schedulerEntries,
      unet: fc.option(fc.array(fc.tuple(fc.constantFrom(...unetKeys), value), { maxLength: 4 })),
      vae: fc.option(fc.array(fc.tuple(fc.constantFrom(...vaeKeys), value), { maxLength: 4 })),
      index: fc.constantFrom('{}', '{"_name_or_path": "stabilityai/sd-turbo"}', '{"_name_or_path": {"x": 1}}', '[]', '"text"', '{"__proto__": {"_name_or_path": "x"}}', 'null'),
    });
    // Only about 1 % of the fully random folders pass, so 150 of them can all be refused; a real
    // export's configs with at most one generated field (half of them untouched) give both outcomes
    // on every seed, and probe each field's boundary one at a time.
    const KEYS = { scheduler: SCHEDULER_KEYS, unet: unetKeys, vae: vaeKeys } as const;
    const plausible = fc.tuple(
      fc.constantFrom('EulerDiscreteScheduler', 'EulerAncestralDiscreteScheduler', 'LCMScheduler', 'DDIMScheduler'),
      fc.option(fc.constantFrom(...(Object.keys(KEYS) as (keyof typeof KEYS)[])).chain((file) => fc.tuple(fc.constant(file), fc.constantFrom(...KEYS[file]), value)), { freq: 2 }),
    ).map(([className, change]) => {
      const files: Record<keyof typeof KEYS, [string, unknown][]> = {
        scheduler: [['_class_name', className], ['num_train_timesteps', 1000], ['beta_start', 0.00085], ['beta_end', 0.012], ['beta_schedule', 'scaled_linear']],
        unet: [['sample_size', 64], ['in_channels', 4]],
        vae: [['scaling_factor', 0.18215], ['latent_channels', 4], ['block_out_channels', [128, 256, 512, 512]]],
      };
      if (change) files[change[0]].push([change[1], change[2]]); // a repeated key: JSON.parse keeps the last
      return { ...files, index: '{"_name_or_path": "stabilityai/sd-turbo"}' };
    });
    const configs = fc.oneof(hostile, plausible);
    let accepted = 0;
    await fuzzAsync(SUITE, configs, async ({ scheduler, unet, vae, index }) => {
      await fs.writeFile(path.join(dir, MODEL_FILES.scheduler), jsonObject(scheduler));
      await fs.writeFile(path.join(dir, MODEL_FILES.modelIndex), index);
      if (unet) await fs.writeFile(path.join(dir, MODEL_FILES.unetConfig), jsonObject(unet));
      else await fs.rm(path.join(dir, MODEL_FILES.unetConfig), { force: true });
      if (vae) await fs.writeFile(path.join(dir, MODEL_FILES.vaeConfig), jsonObject(vae));
      else await fs.rm(path.join(dir, MODEL_FILES.vaeConfig), { force: true });
      try {
        const info = await validateModelFolder(dir);
        const r = MODEL_CONFIG_RANGES;
        assert.ok(info.nativeSize >= r.native_size.min && info.nativeSize <= r.native_size.max, `native ${info.nativeSize}`);
        assert.ok(info.vae.scalingFactor > 0 && info.vae.scalingFactor <= r.scaling_factor.max);
        assert.ok(info.vae.latentChannels >= 1 && info.vae.latentChannels <= r.latent_channels.max);
        if (info.unet.inChannels !== undefined) assert.ok(info.unet.inChannels <= r.in_channels.max);
        createScheduler(info.scheduler.config).setTimesteps(1);
        accepted++;
      } catch (error) {
        if (error instanceof assert.AssertionError) throw error;
        assert.ok(error instanceof ModelFolderError, `${(error as Error).name}: ${(error as Error).message}`);
        assert.ok((Object.values(MODEL_FILES) as string[]).includes(error.file), error.file);
        assert.ok(!error.message.includes('\n'), error.message);
      }
    }, FOLDER_RUNS);
    assert.ok(accepted > 0 && accepted < FOLDER_RUNS, `${accepted} of ${FOLDER_RUNS} folders accepted: the generator should give both outcomes`);
  });
});
