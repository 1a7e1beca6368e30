import * as assert from 'node:assert/strict';
import { ASSET_KINDS, applyTemplate, nativeSizeFor, planGeneration, presetFor } from '../../src/inference/image';

describe('image: kinds and generation planning', () => {
  it('every kind has a preset whose template keeps the prompt verbatim', () => {
    const tricky = '  a $& "logo" with {prompt} and $1 — ünïcödé  ';
    for (const kind of ASSET_KINDS) {
      const full = applyTemplate(kind, tricky);
      assert.ok(full.includes(tricky.trim()), `${kind}: ${full}`);
      assert.ok(presetFor(kind).negativePrompt.length > 0);
    }
    assert.equal(presetFor('icon').transparent, true);
    assert.equal(presetFor('photo').transparent, false);
  });

  it('templates name no colours, so the user\'s colours are the only ones asked for', () => {
    const colours = /\b(red|green|blue|yellow|cyan|magenta|white|black|orange|purple|pink|brown|gr[ae]y)\b/i;
    for (const kind of ASSET_KINDS) assert.doesNotMatch(presetFor(kind).template + presetFor(kind).negativePrompt, colours, kind);
  });

  const cases: [number, number, number, [number, number]][] = [
    [512, 512, 512, [512, 512]],
    [32, 32, 512, [512, 512]],
    // The illustration/photo defaults run as asked: no upscale on a 512-px model.
    [768, 512, 512, [768, 512]],
    [512, 768, 512, [512, 768]],
    // A social card still needs upscaling: the widest ~2:1 size within 1.5 × 512² (1.64×, 2.5 % cropped).
    [1200, 630, 512, [768, 384]],
    [630, 1200, 512, [384, 768]],
    [1200, 800, 512, [768, 512]],
    [1280, 800, 512, [704, 448]],
    [1920, 1080, 512, [768, 448]],
    [800, 600, 512, [704, 512]],
    [300, 200, 512, [576, 384]],
    [5000, 100, 512, [768, 256]],
    [1024, 1024, 512, [576, 576]],
    [1024, 1024, 768, [896, 896]],
  ];
  for (const [w, h, native, expected] of cases) {
    it(`${w}×${h} on a ${native}-px model runs at ${expected.join('×')}`, () => {
      const size = nativeSizeFor(w, h, native);
      assert.deepEqual([size.width, size.height], expected);
      assert.equal(size.width % 64, 0);
      assert.equal(size.height % 64, 0);
      assert.ok(size.width <= 1.5 * native && size.height <= 1.5 * native, 'each side ≤ 1.5 × native');
      assert.ok(size.width * size.height <= 1.5 * native * native, 'area ≤ 1.5 × native²');
    });
  }

  it('never runs above the native area for an output that does not need it', () => {
    for (const [w, h] of [[16, 16], [64, 64], [512, 512], [300, 200], [200, 300], [512, 256]] as const) {
      const size = nativeSizeFor(w, h, 512);
      assert.ok(size.width * size.height <= 512 * 512, `${w}×${h} → ${size.width}×${size.height}`);
    }
  });

  it('planGeneration combines template, negative prompt and native size; empty prompts are refused', () => {
    const plan = planGeneration('icon', 'a green circle on white', { width: 32, height: 32 }, 512);
    assert.ok(plan.prompt.startsWith('a green circle on white, '));
    assert.deepEqual([plan.width, plan.height], [512, 512]);
    assert.equal(plan.negativePrompt, presetFor('icon').negativePrompt);
    assert.throws(() => planGeneration('icon', '   ', { width: 32, height: 32 }, 512), /prompt is empty/);
    assert.throws(() => planGeneration('banner' as never, 'x', { width: 32, height: 32 }, 512), /unknown asset kind 'banner'; kinds: icon, placeholder/);
  });
});
