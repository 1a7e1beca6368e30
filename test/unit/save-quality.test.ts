// The panel's Save: when it decodes the kept latents again with the full VAE (save-quality.ts).
import { strict as assert } from 'node:assert';
import { isGpuDevice, wantsFullDecode, type DecodedWith } from '../../src/extension/panel/save-quality';
import type { SaveQuality } from '../../src/extension/settings';

describe('panel: save quality', () => {
  it('follows the setting for candidates from the tiny decoder', () => {
    const table: [SaveQuality, string, boolean][] = [
      ['auto', 'cpu', false], ['auto', 'cuda', true], ['auto', 'webgpu', true], ['auto', 'dml', true], ['auto', 'coreml', true],
      ['full', 'cpu', true], ['full', 'cuda', true],
      ['preview', 'cpu', false], ['preview', 'cuda', false],
    ];
    for (const [setting, device, expected] of table) {
      assert.equal(wantsFullDecode({ setting, forced: false, decodedWith: 'tiny', device }), expected, `${setting} on ${device}`);
    }
  });

  it('"Save (full quality)" decodes whatever the setting says', () => {
    for (const setting of ['auto', 'full', 'preview'] as const) {
      for (const device of ['cpu', 'cuda']) assert.equal(wantsFullDecode({ setting, forced: true, decodedWith: 'tiny', device }), true);
    }
  });

  it('never decodes again what the full VAE already made; an unknown decoder counts as the tiny one', () => {
    for (const forced of [false, true]) assert.equal(wantsFullDecode({ setting: 'full', forced, decodedWith: 'full', device: 'cpu' }), false);
    const unknown: DecodedWith = undefined;
    assert.equal(wantsFullDecode({ setting: 'full', forced: false, decodedWith: unknown, device: 'cpu' }), true);
    assert.equal(isGpuDevice('cpu'), false);
    assert.equal(isGpuDevice('cuda'), true);
  });
});
