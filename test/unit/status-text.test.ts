import { strict as assert } from 'node:assert';
import { statusText, type StatusInput } from '../../src/extension/status-text';

const idle: StatusInput = { modelId: 'oracle-fp32', configuredDevice: 'auto', fallbacks: [], running: 0 };

describe('status bar text', () => {
  it('shows the configured device before the first generation', () => {
    assert.equal(statusText(idle).text, '$(sparkle) Nanoforge: oracle-fp32 · auto');
    assert.match(statusText(idle).tooltip, /not used yet/);
  });

  it('shows the device that actually ran', () => {
    assert.equal(statusText({ ...idle, device: 'cpu' }).text, '$(sparkle) Nanoforge: oracle-fp32 · CPU');
    assert.equal(statusText({ ...idle, modelId: 'sd-turbo', device: 'webgpu' }).text, '$(sparkle) Nanoforge: sd-turbo · WebGPU');
  });

  it('names a failed GPU with a shortened reason and keeps all reasons in the tooltip', () => {
    const s = statusText({
      ...idle, device: 'cpu',
      fallbacks: [
        { provider: 'cuda', ok: false, reason: 'libcudart.so.12: cannot open shared object file' },
        { provider: 'webgpu', ok: false, reason: 'no adapter' },
        { provider: 'cpu', ok: true },
      ],
    });
    assert.equal(s.text, '$(sparkle) Nanoforge: oracle-fp32 · CPU (GPU failed: CUDA: libcudart.so.12: cannot open shar…)');
    assert.match(s.tooltip, /CUDA: libcudart\.so\.12: cannot open shared object file; WebGPU: no adapter/);
  });

  it('shows step progress and the queue while generating', () => {
    assert.equal(statusText({ ...idle, running: 1 }).text, '$(loading~spin) Nanoforge: generating');
    assert.equal(statusText({ ...idle, running: 3, step: 2, totalSteps: 4 }).text, '$(loading~spin) Nanoforge: generating 2/4 (+2 queued)');
  });

  it('shows a crashed worker until the next generation, and why in the tooltip', () => {
    const s = statusText({ ...idle, lastCrash: 'The image worker was killed by SIGKILL' });
    assert.equal(s.text, '$(error) Nanoforge: worker stopped');
    assert.match(s.tooltip, /killed by SIGKILL/);
  });

  it('explains a missing model in the tooltip', () => {
    const s = statusText({ ...idle, modelId: 'no model', modelProblem: 'no model is installed in /x/models' });
    assert.equal(s.text, '$(sparkle) Nanoforge: no model · auto');
    assert.match(s.tooltip, /^no model is installed in \/x\/models/);
  });

  describe('after a generation could not load the model', () => {
    const failure = { reason: '/m/unet/model.onnx: cannot be loaded as an ONNX model (Protobuf parsing failed)', file: 'unet/model.onnx' };

    it('says the model failed to load instead of "model · auto", with the reason and the file in the tooltip', () => {
      const s = statusText({ ...idle, modelFailure: failure });
      assert.equal(s.text, '$(warning) Nanoforge: oracle-fp32 — model failed to load');
      assert.equal(s.tooltip, [
        'model: oracle-fp32',
        'device: auto (not used yet)',
        'The model failed to load (unet/model.onnx): /m/unet/model.onnx: cannot be loaded as an ONNX model (Protobuf parsing failed)',
        'Repair or re-download the model, check nanoforge.device, or choose another model.',
        'Click to choose a model.',
      ].join('\n'));
    });

    it('names no file when the worker gave none (a device that could not start)', () => {
      const s = statusText({ ...idle, device: 'cpu', modelFailure: { reason: "Device 'cuda' could not start: libcudart.so.12 missing." } });
      assert.equal(s.text, '$(warning) Nanoforge: oracle-fp32 — model failed to load');
      assert.match(s.tooltip, /\nThe model failed to load: Device 'cuda' could not start: libcudart\.so\.12 missing\.\n/);
    });

    it('shows progress while a new generation runs, and a crash over the older load failure', () => {
      assert.equal(statusText({ ...idle, running: 1, step: 1, totalSteps: 2, modelFailure: failure }).text, '$(loading~spin) Nanoforge: generating 1/2');
      assert.equal(statusText({ ...idle, lastCrash: 'killed', modelFailure: failure }).text, '$(error) Nanoforge: worker stopped');
    });
  });
});
