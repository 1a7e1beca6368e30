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
    [1200, 630, 512, [640, 320]],
    [1920, 1080, 512, [576, 320]],
    [300, 200, 512, [576, 384]],
    [630, 1200, 512, [320, 640]],
    [5000, 100, 512, [1024, 192]],
    [1024, 1024, 768, [768, 768]],
  ];
  for (const [w, h, native, expected] of cases) {
    it(`${w}×${h} on a ${native}-px model runs at ${expected.join('×')}`, () => {
      const size = nativeSizeFor(w, h, native);
      assert.deepEqual([size.width, size.height], expected);
      assert.equal(size.width % 64, 0);
      assert.ok(size.width * size.height <= native * native);
    });
  }

  it('planGeneration combines template, negative prompt and native size; empty prompts are refused', () => {
    const plan = planGeneration('icon', 'a green circle on white', { width: 32, height: 32 }, 512);
    assert.ok(plan.prompt.startsWith('a green circle on white, '));
    assert.deepEqual([plan.width, plan.height], [512, 512]);
    assert.equal(plan.negativePrompt, presetFor('icon').negativePrompt);
    assert.throws(() => planGeneration('icon', '   ', { width: 32, height: 32 }, 512), /prompt is empty/);
    assert.throws(() => planGeneration('banner' as never, 'x', { width: 32, height: 32 }, 512), /unknown asset kind 'banner'; kinds: icon, placeholder/);
  });
});
