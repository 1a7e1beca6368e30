import * as assert from 'node:assert/strict';
import { contrastRatio, makePlaceholder, placeholderSvg, readMetadata } from '../../src/inference/image';
import type { AssetFormat } from '../../src/inference/types';
import { decode, pixel } from './image-helpers';

describe('image: placeholders', () => {
  it('is byte-identical for identical input, in every format', async () => {
    for (const format of ['png', 'webp', 'avif', 'jpeg', 'ico', 'svg'] as AssetFormat[]) {
      const a = await makePlaceholder({ width: 300, height: 200, format, label: 'Hero', seed: 7 });
      const b = await makePlaceholder({ width: 300, height: 200, format, label: 'Hero', seed: 7 });
      assert.ok(Buffer.from(a.bytes).equals(Buffer.from(b.bytes)), `${format} differs`);
    }
  });

  for (const [w, h] of [[1, 1], [300, 200], [1920, 1080], [17, 4000], [8192, 16]] as const) {
    it(`PNG ${w}×${h} decodes at exactly that size with the default background`, async () => {
      const d = await decode((await makePlaceholder({ width: w, height: h, format: 'png' })).bytes);
      assert.deepEqual([d.width, d.height], [w, h]);
      assert.deepEqual(pixel(d, 0, 0).slice(0, 3), [204, 204, 204]);
    });
  }

  it('uses the given background, a contrasting label colour, and "W×H" as default label', async () => {
    const dark = await decode((await makePlaceholder({ width: 300, height: 200, format: 'png', background: '#102030' })).bytes);
    assert.deepEqual(pixel(dark, 0, 0), [16, 32, 48]);
    const brightest = Math.max(...Array.from({ length: 300 * 200 }, (_, i) => dark.data[i * 3]!));
    assert.equal(brightest, 255, 'white text on a dark background');
    const svg = placeholderSvg({ width: 300, height: 200, format: 'svg', background: '#102030' });
    assert.match(svg, />300×200<\/text>/);
    assert.match(svg, /fill="#ffffff"/);
    assert.match(placeholderSvg({ width: 300, height: 200, format: 'svg', background: '#f0f0f0' }), /fill="#111111" text-anchor/);
    assert.ok(contrastRatio([16, 32, 48], [255, 255, 255]) > 4.5);
  });

  it('derives a stable colour from seed/prompt and differs between prompts', async () => {
    const c = async (prompt: string): Promise<number[]> => pixel(await decode((await makePlaceholder({ width: 8, height: 8, format: 'png', prompt, label: '' })).bytes), 0, 0);
    assert.deepEqual(await c('hero banner'), await c('hero banner'));
    assert.notDeepEqual(await c('hero banner'), await c('team photo'));
  });

  it('an empty label draws no text: every pixel is the background', async () => {
    const d = await decode((await makePlaceholder({ width: 120, height: 80, format: 'png', label: '', background: '#336699' })).bytes);
    for (let i = 0; i < d.data.length; i += 3) assert.deepEqual([d.data[i], d.data[i + 1], d.data[i + 2]], [0x33, 0x66, 0x99]);
  });

  it('escapes XML, keeps emoji and RTL text, and drops control characters', async () => {
    const svg = placeholderSvg({ width: 400, height: 200, format: 'svg', label: '<b>&"x"</b>\u0007 مرحبا 😀' });
    assert.match(svg, />&lt;b&gt;&amp;&quot;x&quot;&lt;\/b&gt; مرحبا 😀<\/text>/);
    const d = await decode((await makePlaceholder({ width: 400, height: 200, format: 'png', label: 'مرحبا 😀' })).bytes);
    const inked = Array.from({ length: 400 * 200 }, (_, i) => d.data[i * 3]!).filter((v) => v < 100).length;
    assert.ok(inked > 200, `RTL/emoji label rendered ${inked} dark pixels`);
  });

  it('writes metadata that identifies a placeholder', async () => {
    const asset = await makePlaceholder({ width: 64, height: 64, format: 'png', seed: 3 });
    assert.deepEqual(readMetadata(asset.bytes), { prompt: '', kind: 'placeholder', width: 64, height: 64, seed: 3, generator: asset.metadata?.generator });
    assert.equal(readMetadata((await makePlaceholder({ width: 64, height: 64, format: 'svg' })).bytes)?.kind, 'placeholder');
  });

  it('rejects bad sizes, colours, formats and huge labels with clear errors', async () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ width: 0, height: 10 }, /width must be a whole number of pixels ≥ 1, got 0/],
      [{ width: -3, height: 10 }, /≥ 1, got -3/],
      [{ width: 'abc', height: 10 }, /width must be a number, got "abc"/],
      [{ width: 10, height: 8193 }, /above the maximum of 8192/],
      [{ width: 8000, height: 6000 }, /48\.0 MP, above the maximum of 40 MP/],
      [{ width: 10, height: 10, background: 'red' }, /colour must be #rgb or #rrggbb, got 'red'/],
      [{ width: 10, height: 10, format: 'gif' }, /unsupported format 'gif'/],
      [{ width: 10, height: 10, label: 'x'.repeat(201) }, /longer than 200 characters/],
      [{ width: 8, height: 8, format: 'ico' }, /an ICO needs at least 16×16/],
    ];
    for (const [opts, re] of bad) {
      await assert.rejects(makePlaceholder({ format: 'png', ...opts } as never), re);
    }
  });
});
