// What the reference features cost the extension host: scanning lines (hover, CodeLens and the
// diagnostics pass run these), resolving references against a real folder tree, parsing directives,
// and reading an image header + Nanoforge metadata for a hover.
// Run: npx tsx bench/references.bench.ts [--runs N] [--no-write] [--out file]
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { findDirectives } from '../src/extension/references/directives';
import { readImageInfo, readNanoforgeMetadata } from '../src/extension/references/image-header';
import { nodeProbe } from '../test/fixtures/node-probe';
import { recognizeLine } from '../src/extension/references/recognizers';
import { resolveReference } from '../src/extension/references/resolvers';
import { pngMetadataChunks } from '../src/inference/image/metadata';
import { insertChunks } from '../src/inference/image/png-chunks';
import { argNumber, fmtStats, publish, stats, table } from './lib/report';

// A mixed document: every other line has a reference, the rest is ordinary code and prose.
const SAMPLE = [
  'import logo from "./assets/logo.png";',
  'export function Header({ user }: Props) {',
  '  return <img src="/img/avatar.png" alt="User avatar" className="w-8 h-8" />;',
  '  // the rest of the header is plain markup and text without any images',
  '.hero { background: url(../img/hero.jpg) center / cover; }',
  'const message = `Hello ${user.name}, you have ${count} new messages`;',
  '![Screenshot](docs/screenshot.png)',
  'if (items.length > 0 && settings.enabled) { render(items, { compact: true }); }',
];

function documentOf(lines: number): string[] {
  return Array.from({ length: lines }, (_, i) => SAMPLE[i % SAMPLE.length] ?? '');
}

async function time(runs: number, body: () => unknown): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs + 3; i++) {
    const start = performance.now();
    await body();
    if (i >= 3) times.push(performance.now() - start);
  }
  return times;
}

async function tree(): Promise<{ root: string; doc: string }> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'nanoforge-bench-refs-'));
  for (const f of ['src/components/Header.tsx', 'src/assets/logo.png', 'public/img/avatar.png', 'docs/screenshot.png']) {
    await fs.mkdir(path.dirname(path.join(root, f)), { recursive: true });
    await fs.writeFile(path.join(root, f), 'x');
  }
  await fs.writeFile(path.join(root, 'tsconfig.json'), '{ "compilerOptions": { "paths": { "@/*": ["./src/*"] } } }');
  return { root, doc: path.join(root, 'src/components/Header.tsx') };
}

async function main(): Promise<void> {
  const runs = argNumber('--runs', 30);
  const doc = documentOf(2000);
  const scan = await time(runs, () => doc.forEach((line) => recognizeLine(line, 'typescriptreact')));
  const directives = await time(runs, () => findDirectives(doc, 'typescriptreact'));
  const { root, doc: docPath } = await tree();
  const ctx = { documentPath: docPath, workspaceFolders: [root], probe: nodeProbe };
  const refs = ['@/assets/logo.png', '/img/avatar.png', '../../docs/screenshot.png', './missing.png'];
  const resolve = await time(runs, () => Promise.all(refs.map((r) => resolveReference(r, ctx))));
  const meta = { prompt: 'a blue cart', seed: 1, generator: 'bench' };
  const small = insertChunks(await sharp({ create: { width: 64, height: 64, channels: 4, background: '#36c' } }).png().toBuffer(), pngMetadataChunks(meta));
  const big = insertChunks(await sharp({ create: { width: 2048, height: 2048, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 60 } } }).png().toBuffer(), pngMetadataChunks(meta));
  const header = (b: Uint8Array) => time(runs * 10, () => [readImageInfo(b), readNanoforgeMetadata(b)]);
  const smallHeader = await header(small);
  const bigHeader = await header(big);
  await fs.rm(root, { recursive: true, force: true });
  const ms = (t: number[]) => fmtStats(stats(t), 3);
  await publish({
    title: 'Reference features (extension-host cost)',
    script: 'references.bench.ts',
    body: table(['case', 'runs', 'ms: median (min–max)'], [
      ['recognizeLine over a 2000-line TSX document (1000 references)', String(runs), ms(scan)],
      ['findDirectives over the same document', String(runs), ms(directives)],
      ['resolve 4 references (tsconfig alias, public/, relative, missing) on disk', String(runs), ms(resolve)],
      ['header + nanoforge chunk of a 64×64 PNG', String(runs * 10), ms(smallHeader)],
      [`header + nanoforge chunk of a 2048×2048 PNG (${(big.byteLength / 2 ** 20).toFixed(1)} MiB)`, String(runs * 10), ms(bigHeader)],
    ]) + '\n\nThe diagnostics pass is debounced (300 ms) and runs only for visible editors; hovers scan one line.',
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
