// Independent float64 reference of diffusers' schedule maths (written from the formulas, no float32
// emulation, in scheduler-refs.ts), and checks that every scheduler's timesteps / sigmas /
// alphas_cumprod agree with it. Other scheduler-*.test.ts files import the reference helpers from here.
import * as assert from 'node:assert/strict';
import { createScheduler, type SchedulerConfig, type SigmaScheduler } from '../../src/inference';
import { assertClose, refAlphasCumprod, refLcmTimesteps, refOf, refSigma, refSigmaAt, refTimesteps, SD15, SD_TURBO } from './scheduler-refs';

export { assertClose, refAlphasCumprod, refLcmTimesteps, refOf, refSigma, refSigmaAt, refTimesteps, SD15, SD_TURBO } from './scheduler-refs';
export type { Ref } from './scheduler-refs';

describe('scheduler schedules against the float64 reference', () => {
  it('SD-Turbo (Euler, trailing): 1 step is t=999, sigma 14.6146; 4 steps are 999, 749, 499, 249', () => {
    const s = createScheduler(SD_TURBO) as SigmaScheduler;
    s.setTimesteps(1);
    assert.deepEqual([...s.timesteps], [999]);
    assert.ok(Math.abs((s.sigmas[0] as number) - 14.6146) < 1e-4, `sigma ${s.sigmas[0]}`);
    assert.equal(s.sigmas[1], 0);
    assert.ok(Math.abs(s.initNoiseSigma - 14.6146) < 1e-4);
    s.setTimesteps(4);
    assert.deepEqual([...s.timesteps], [999, 749, 499, 249]);
  });

  it('alphas_cumprod of linear and scaled_linear match the float64 product', () => {
    for (const cfg of [SD_TURBO, { beta_schedule: 'linear', beta_start: 0.0001, beta_end: 0.02, num_train_timesteps: 1000 }]) {
      const s = createScheduler(cfg, 'euler');
      const ref = refAlphasCumprod(refOf(cfg));
      assertClose(s.alphasCumprod, ref, 2e-5, 'alphas_cumprod');
      // SD's scaled_linear schedule ends at alphas_cumprod 0.00466 (sigma 14.6146).
      if (cfg === SD_TURBO) assert.ok(Math.abs((s.alphasCumprod[999] as number) - 0.00466) < 1e-6, String(s.alphasCumprod[999]));
    }
  });

  const cases: Array<[string, SchedulerConfig]> = [
    ['SD-Turbo trailing', SD_TURBO],
    ['SD 1.5 leading', SD15],
    ['linspace', { ...SD15, timestep_spacing: 'linspace', steps_offset: 0 }],
  ];
  for (const [label, cfg] of cases) {
    for (const n of [1, 2, 4, 25]) {
      it(`Euler and Euler-ancestral timesteps and sigmas, ${label}, ${n} steps`, () => {
        const ac = refAlphasCumprod(refOf(cfg));
        const steps = refTimesteps(cfg.timestep_spacing as string, 1000, n, cfg.steps_offset ?? 0, false);
        const sigmas = steps.map((t) => refSigma(ac, t)).concat(0);
        const maxSigma = Math.max(...sigmas);
        const init = cfg.timestep_spacing === 'leading' ? Math.sqrt(maxSigma ** 2 + 1) : maxSigma;
        for (const name of ['euler', 'euler-ancestral'] as const) {
          const s = createScheduler(cfg, name) as SigmaScheduler;
          s.setTimesteps(n);
          assertClose(s.timesteps, steps, 1e-6, `${name} timesteps`);
          assertClose(s.sigmas, sigmas, 2e-5, `${name} sigmas`);
          assert.ok(Math.abs(s.initNoiseSigma - init) < 2e-5 * init, `${name} initNoiseSigma ${s.initNoiseSigma} vs ${init}`);
        }
      });
      it(`DDIM timesteps, ${label}, ${n} steps`, () => {
        const s = createScheduler(cfg, 'ddim');
        s.setTimesteps(n);
        assert.deepEqual([...s.timesteps], refTimesteps(cfg.timestep_spacing as string, 1000, n, cfg.steps_offset ?? 0, true));
        assert.equal(s.initNoiseSigma, 1);
      });
    }
  }

  it('SD 1.5 leading spacing starts at 961 for 25 steps and ends at 1 (steps_offset)', () => {
    const s = createScheduler(SD15);
    s.setTimesteps(25);
    assert.equal(s.timesteps[0], 961);
    assert.equal(s.timesteps[24], 1);
  });

  it('DDIM leading with steps_offset 1, 5 steps: 801, 601, 401, 201, 1 (diffusers test value)', () => {
    const s = createScheduler({ _class_name: 'DDIMScheduler', steps_offset: 1, clip_sample: false });
    s.setTimesteps(5);
    assert.deepEqual([...s.timesteps], [801, 601, 401, 201, 1]);
  });

  it('trailing spacing rounds halves to even like numpy (16 steps)', () => {
    const s = createScheduler(SD_TURBO, 'ddim');
    s.setTimesteps(16);
    assert.deepEqual([...s.timesteps], refTimesteps('trailing', 1000, 16, 0, true));
    assert.equal(s.timesteps[1], 937); // round(937.5) = 938 → 937
    assert.equal(s.timesteps[3], 811); // round(812.5) = 812 → 811
  });

  it('LCM timesteps ignore spacing and sample the 50-step distillation schedule', () => {
    const lcm = createScheduler({ _class_name: 'LCMScheduler' });
    for (const n of [1, 2, 4, 8, 25, 50]) {
      lcm.setTimesteps(n);
      assert.deepEqual([...lcm.timesteps], refLcmTimesteps(1000, 50, n), `n=${n}`);
    }
    lcm.setTimesteps(4);
    assert.deepEqual([...lcm.timesteps], [999, 759, 499, 259]);
    const custom = createScheduler({ _class_name: 'LCMScheduler', original_inference_steps: 100, timestep_spacing: 'trailing' });
    custom.setTimesteps(3);
    assert.deepEqual([...custom.timesteps], refLcmTimesteps(1000, 100, 3));
  });

  it('Karras sigmas follow rho=7 between the schedule ends, with matching fractional timesteps', () => {
    const s = createScheduler({ ...SD_TURBO, use_karras_sigmas: true }) as SigmaScheduler;
    s.setTimesteps(4);
    const ac = refAlphasCumprod(refOf(SD_TURBO));
    const hi = refSigmaAt(ac, 999) ** (1 / 7);
    const lo = refSigmaAt(ac, 249) ** (1 / 7);
    const expected = [0, 1, 2, 3].map((i) => (hi + (i / 3) * (lo - hi)) ** 7).concat(0);
    assertClose(s.sigmas, expected, 2e-5, 'karras sigmas');
    // Each timestep's interpolated log-sigma gives back its sigma.
    s.timesteps.forEach((t, i) => {
      const low = Math.floor(t);
      const w = t - low;
      const logSigma = (1 - w) * Math.log(refSigmaAt(ac, low)) + w * Math.log(refSigmaAt(ac, Math.min(low + 1, 999)));
      assert.ok(Math.abs(Math.exp(logSigma) - (expected[i] as number)) < 1e-3 * (expected[i] as number), `t=${t}`);
    });
  });
});
