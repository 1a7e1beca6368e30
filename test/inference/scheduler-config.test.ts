// Scheduler construction from scheduler_config.json: class selection, overrides, options, and errors that
// name the field, the value and the valid choices.
import * as assert from 'node:assert/strict';
import {
  createRng, createScheduler, SchedulerConfigError, type SchedulerConfig, type SigmaScheduler,
} from '../../src/inference';
import { refAlphasCumprod, refOf, SD_TURBO } from './scheduler-reference.test';

function expectConfigError(fn: () => unknown, field: string, ...mentions: string[]): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof SchedulerConfigError, `expected SchedulerConfigError, got ${String(err)}`);
    assert.equal(err.field, field);
    assert.ok(err.message.includes(field), err.message);
    for (const m of mentions) assert.ok(err.message.includes(m), `"${err.message}" should mention ${m}`);
    return true;
  });
}

describe('createScheduler: class selection', () => {
  it('picks the class named by _class_name', () => {
    const expected: Record<string, string> = {
      EulerDiscreteScheduler: 'euler', EulerAncestralDiscreteScheduler: 'euler-ancestral', LCMScheduler: 'lcm', DDIMScheduler: 'ddim',
    };
    for (const [cls, name] of Object.entries(expected)) {
      const s = createScheduler({ ...SD_TURBO, _class_name: cls });
      assert.equal(s.name, name);
      assert.equal(s.config._class_name, cls);
    }
  });

  it('an override builds another class from the same betas', () => {
    const s = createScheduler(SD_TURBO, 'lcm');
    assert.equal(s.name, 'lcm');
    assert.deepEqual(s.alphasCumprod, createScheduler(SD_TURBO).alphasCumprod);
  });

  it('an unknown or missing class is an error listing the supported ones', () => {
    const valid = ['EulerDiscreteScheduler', 'EulerAncestralDiscreteScheduler', 'LCMScheduler', 'DDIMScheduler'];
    expectConfigError(() => createScheduler({ ...SD_TURBO, _class_name: 'PNDMScheduler' }), '_class_name', 'PNDMScheduler', ...valid);
    expectConfigError(() => createScheduler({}), '_class_name', ...valid);
    expectConfigError(() => createScheduler(SD_TURBO, 'heun' as never), 'scheduler', 'heun', 'euler-ancestral', 'lcm', 'ddim');
  });
});

describe('createScheduler: option errors name the field, the value and the valid values', () => {
  const cases: Array<[string, SchedulerConfig, string, string[]]> = [
    ['beta_schedule', { beta_schedule: 'cosine' }, 'beta_schedule', ['cosine', 'linear', 'scaled_linear', 'squaredcos_cap_v2']],
    ['timestep_spacing', { timestep_spacing: 'uniform' }, 'timestep_spacing', ['uniform', 'leading', 'trailing', 'linspace']],
    ['prediction_type', { prediction_type: 'flow' }, 'prediction_type', ['flow', 'epsilon', 'v_prediction', 'sample']],
    ['interpolation_type', { interpolation_type: 'log_linear' }, 'interpolation_type', ['log_linear', 'linear']],
    ['use_beta_sigmas', { use_beta_sigmas: true }, 'use_beta_sigmas', ['true', 'false']],
    ['timestep_type', { timestep_type: 'edm' }, 'timestep_type', ['discrete', 'continuous']],
    ['final_sigmas_type', { final_sigmas_type: 'one' }, 'final_sigmas_type', ['zero', 'sigma_min']],
    ['num_train_timesteps', { num_train_timesteps: 10.5 }, 'num_train_timesteps', ['10.5', 'integer']],
    ['steps_offset', { steps_offset: -1 }, 'steps_offset', ['-1']],
    ['beta_start', { beta_start: '0.001' } as unknown as SchedulerConfig, 'beta_start', ['"0.001"', 'number']],
    ['trained_betas', { trained_betas: [0.1, 0.2] }, 'trained_betas', ['1000']],
    ['use_karras_sigmas as a string', { use_karras_sigmas: 'yes' } as unknown as SchedulerConfig, 'use_karras_sigmas', ['"yes"', 'true, false']],
  ];
  for (const [label, patch, field, mentions] of cases) {
    it(`Euler: ${label}`, () => expectConfigError(() => createScheduler({ ...SD_TURBO, ...patch }), field, ...mentions));
  }

  it('Euler: Karras and exponential sigmas together', () => {
    expectConfigError(() => createScheduler({ ...SD_TURBO, use_karras_sigmas: true, use_exponential_sigmas: true }), 'use_karras_sigmas', 'use_exponential_sigmas');
  });

  it('Euler-ancestral: prediction_type "sample" is unsupported, as in diffusers', () => {
    expectConfigError(() => createScheduler({ ...SD_TURBO, prediction_type: 'sample' }, 'euler-ancestral'), 'prediction_type', 'sample', 'epsilon, v_prediction');
  });

  it('DDIM and LCM: thresholding true is unsupported', () => {
    for (const name of ['ddim', 'lcm'] as const) {
      expectConfigError(() => createScheduler({ ...SD_TURBO, thresholding: true }, name), 'thresholding', 'false');
    }
  });

  it('LCM: original_inference_steps larger than num_train_timesteps', () => {
    expectConfigError(() => createScheduler({ _class_name: 'LCMScheduler', original_inference_steps: 2000 }), 'original_inference_steps', '2000', '1000');
  });

  it('null means "class default", like diffusers', () => {
    const s = createScheduler({ ...SD_TURBO, trained_betas: null, use_karras_sigmas: null, timestep_spacing: null } as unknown as SchedulerConfig);
    s.setTimesteps(2);
    assert.deepEqual([...s.timesteps], [999, 0]); // Euler's default spacing is linspace
  });
});

describe('scheduler step-count and call-order errors', () => {
  it('rejects step counts outside 1..num_train_timesteps', () => {
    for (const name of ['euler', 'euler-ancestral', 'ddim', 'lcm'] as const) {
      const s = createScheduler(SD_TURBO, name);
      for (const bad of [0, -1, 2.5, 1001, Number.NaN]) assert.throws(() => s.setTimesteps(bad), RangeError, `${name} ${bad}`);
    }
    assert.throws(() => createScheduler(SD_TURBO, 'lcm').setTimesteps(51), /original_inference_steps \(50\)/);
  });

  it('DDIM refuses a steps_offset that pushes timesteps past the schedule', () => {
    const s = createScheduler({ _class_name: 'DDIMScheduler', steps_offset: 1, clip_sample: false });
    assert.throws(() => s.setTimesteps(1000), /timestep 1000/);
  });

  it('step before setTimesteps, a step index outside the schedule and length mismatches are errors', () => {
    const x = new Float32Array(8);
    for (const name of ['euler', 'euler-ancestral', 'ddim', 'lcm'] as const) {
      const s = createScheduler(SD_TURBO, name);
      assert.throws(() => s.step(x, 0, x, createRng(0)), /setTimesteps/);
      assert.throws(() => s.scaleModelInput(x, 0), /setTimesteps/);
      s.setTimesteps(2);
      assert.throws(() => s.step(x, 2, x, createRng(0)), /Step index 2/);
      assert.throws(() => s.scaleModelInput(x, -1), RangeError);
      assert.throws(() => s.step(new Float32Array(4), 0, x, createRng(0)), /4 values/);
    }
  });
});

describe('scheduler options beyond the SD defaults', () => {
  it('trained_betas replace the beta schedule', () => {
    const betas = Array.from({ length: 10 }, (_, i) => 0.01 + 0.01 * i);
    const s = createScheduler({ _class_name: 'DDIMScheduler', num_train_timesteps: 10, trained_betas: betas, clip_sample: false });
    let prod = 1;
    betas.forEach((b, i) => {
      prod *= 1 - b;
      assert.ok(Math.abs((s.alphasCumprod[i] as number) - prod) < 1e-6);
    });
  });

  it('squaredcos_cap_v2 follows the cosine alpha-bar', () => {
    const s = createScheduler({ _class_name: 'DDIMScheduler', beta_schedule: 'squaredcos_cap_v2', clip_sample: false });
    const f = (t: number): number => Math.cos(((t / 1000 + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
    for (const t of [0, 100, 500, 900]) {
      const expected = f(t + 1) / f(0);
      assert.ok(Math.abs((s.alphasCumprod[t] as number) - expected) < 1e-5, `t=${t}: ${s.alphasCumprod[t]} vs ${expected}`);
    }
  });

  it('rescale_betas_zero_snr drives the last alphas_cumprod to zero (Euler: fp16 epsilon instead)', () => {
    const ddim = createScheduler({ ...SD_TURBO, rescale_betas_zero_snr: true }, 'ddim');
    assert.ok((ddim.alphasCumprod[999] as number) < 1e-9);
    const plain = refAlphasCumprod(refOf(SD_TURBO));
    assert.ok(Math.abs((ddim.alphasCumprod[0] as number) - (plain[0] as number)) < 1e-6);
    const euler = createScheduler({ ...SD_TURBO, rescale_betas_zero_snr: true });
    assert.equal(euler.alphasCumprod[999], 2 ** -24);
  });

  it('final_sigmas_type sigma_min ends at the smallest training sigma', () => {
    const s = createScheduler({ ...SD_TURBO, final_sigmas_type: 'sigma_min' }) as SigmaScheduler;
    s.setTimesteps(4);
    const a0 = s.alphasCumprod[0] as number;
    assert.ok(Math.abs((s.sigmas[4] as number) - Math.sqrt((1 - a0) / a0)) < 1e-6);
  });

  it('continuous timesteps for v-prediction are 0.25 * log(sigma)', () => {
    const s = createScheduler({ ...SD_TURBO, prediction_type: 'v_prediction', timestep_type: 'continuous' }) as SigmaScheduler;
    s.setTimesteps(4);
    s.timesteps.forEach((t, i) => assert.ok(Math.abs(t - 0.25 * Math.log(s.sigmas[i] as number)) < 1e-6));
    const eps = createScheduler({ ...SD_TURBO, timestep_type: 'continuous' });
    eps.setTimesteps(4);
    assert.deepEqual([...eps.timesteps], [999, 749, 499, 249]); // only v-prediction switches, as in diffusers
  });

  it('exponential sigmas are geometric between the schedule ends', () => {
    const s = createScheduler({ ...SD_TURBO, use_exponential_sigmas: true }) as SigmaScheduler;
    s.setTimesteps(4);
    const ratio = (s.sigmas[1] as number) / (s.sigmas[0] as number);
    for (let i = 1; i < 3; i++) assert.ok(Math.abs((s.sigmas[i + 1] as number) / (s.sigmas[i] as number) - ratio) < 1e-5);
    assert.equal(s.sigmas[4], 0);
  });

  it('clip_sample clamps the predicted x0 to clip_sample_range', () => {
    const s = createScheduler({ ...SD_TURBO, clip_sample: true, clip_sample_range: 0.5 }, 'ddim');
    s.setTimesteps(2);
    const x = Float32Array.from([3, -3, 0.01]);
    const { predOriginal } = s.step(new Float32Array(3), 0, x, createRng(0));
    const unclipped = 0.01 / Math.sqrt(s.alphasCumprod[999] as number); // about 0.146, inside the range
    assert.equal(predOriginal[0], 0.5);
    assert.equal(predOriginal[1], -0.5);
    assert.ok(Math.abs((predOriginal[2] as number) - unclipped) < 1e-6);
  });

  it('Euler-family inputs are scaled by 1/sqrt(sigma^2 + 1); DDIM and LCM pass the sample through', () => {
    const x = Float32Array.from([1, -2, 3]);
    const euler = createScheduler(SD_TURBO) as SigmaScheduler;
    euler.setTimesteps(1);
    const k = 1 / Math.sqrt((euler.sigmas[0] as number) ** 2 + 1);
    assert.deepEqual([...euler.scaleModelInput(x, 0)], [...x].map((v) => Math.fround(v * k)));
    for (const name of ['ddim', 'lcm'] as const) {
      const s = createScheduler(SD_TURBO, name);
      s.setTimesteps(1);
      assert.deepEqual(s.scaleModelInput(x, 0), x);
    }
  });
});
