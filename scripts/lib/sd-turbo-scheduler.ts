// stabilityai/sd-turbo's scheduler/scheduler_config.json (EulerDiscrete, trailing spacing): the
// configuration both the oracle fixtures and the synthetic benchmark model ship.
export const SD_TURBO_SCHEDULER = {
  _class_name: 'EulerDiscreteScheduler',
  _diffusers_version: '0.24.0.dev0',
  beta_end: 0.012,
  beta_schedule: 'scaled_linear',
  beta_start: 0.00085,
  clip_sample: false,
  interpolation_type: 'linear',
  num_train_timesteps: 1000,
  prediction_type: 'epsilon',
  sample_max_value: 1.0,
  set_alpha_to_one: false,
  skip_prk_steps: true,
  steps_offset: 1,
  timestep_spacing: 'trailing',
  timestep_type: 'discrete',
  trained_betas: null,
  use_karras_sigmas: false,
} as const;
