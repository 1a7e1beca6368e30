// Linear time of the line scanners the extension host runs on every visible line: each recognizer,
// the directive parser and the inference helpers, fed the adversarial lines of
// test/fixtures/adversarial-lines.ts at growing sizes. Reports, per function and size, the slowest
// line (ms). A size is skipped for a function once a smaller size took over --give-up ms (the old
// scanners were quadratic or cubic and would not finish at 100 kB).
// Run: npx tsx bench/scanners.bench.ts [--sizes 1000,10000,100000] [--give-up 3000] [--no-write]
import { findDirectives, parseDirectiveLine } from '../src/extension/references/directives';
import { inferDefaults, inferKind, nearestComment, promptFromFileName, sizeFromFileName, sizeFromText } from '../src/extension/references/infer';
import { recognizeLine } from '../src/extension/references/recognizers';
import { recognizeCssUrl } from '../src/extension/references/recognizers/css-url';
import { recognizeHtmlAttributes } from '../src/extension/references/recognizers/html-attribute';
import { recognizeImportRequire } from '../src/extension/references/recognizers/import-require';
import { recognizeManifestIcon } from '../src/extension/references/recognizers/manifest-icon';
import { recognizeMarkdownImage } from '../src/extension/references/recognizers/markdown-image';
import { findPathTokens } from '../src/extension/references/recognizers/path-token';
import { recognizeQuotedString } from '../src/extension/references/recognizers/quoted-string';
import { ADVERSARIAL_LINES } from '../test/fixtures/adversarial-lines';
import { argNumber, argString, fmt, publish, table } from './lib/report';

const MATCH = { path: 'a.png', start: 0, end: 5, recognizer: 'quoted-string' };

const SCANNERS: [string, (line: string) => unknown][] = [
  ['findPathTokens', (l) => findPathTokens(l)],
  ['recognizeQuotedString', (l) => recognizeQuotedString(l)],
  ['recognizeImportRequire', (l) => recognizeImportRequire(l)],
  ['recognizeCssUrl', (l) => recognizeCssUrl(l)],
  ['recognizeHtmlAttributes', (l) => recognizeHtmlAttributes(l)],
  ['recognizeMarkdownImage', (l) => recognizeMarkdownImage(l)],
  ['recognizeManifestIcon', (l) => recognizeManifestIcon(l)],
  ['recognizeLine (typescriptreact)', (l) => recognizeLine(l, 'typescriptreact')],
  ['parseDirectiveLine', (l) => parseDirectiveLine(l)],
  ['findDirectives', (l) => findDirectives([l, 'x'], 'typescript')],
  ['nearestComment (trailing)', (l) => nearestComment([l], 0)],
  ['nearestComment (line above)', (l) => nearestComment([l, 'x'], 1)],
  ['sizeFromText', (l) => sizeFromText(l)],
  ['sizeFromFileName', (l) => sizeFromFileName(l)],
  ['promptFromFileName', (l) => promptFromFileName(l)],
  ['inferKind', (l) => inferKind(l)],
  ['inferDefaults', (l) => inferDefaults([l, l], 1, MATCH)],
];

function slowest(fn: (line: string) => unknown, size: number): number {
  let worst = 0;
  for (const adversary of ADVERSARIAL_LINES) {
    const line = adversary.make(size);
    const start = performance.now();
    fn(line);
    worst = Math.max(worst, performance.now() - start);
  }
  return worst;
}

async function main(): Promise<void> {
  const sizes = argString('--sizes', '1000,10000,100000').split(',').map(Number);
  const giveUp = argNumber('--give-up', 3000);
  const rows: string[][] = [];
  for (const [name, fn] of SCANNERS) {
    const cells: string[] = [];
    let skipped = false;
    for (const size of sizes) {
      if (skipped) { cells.push('not run'); continue; }
      const ms = slowest(fn, size);
      cells.push(fmt(ms, 2));
      skipped = ms > giveUp;
    }
    rows.push([name, ...cells]);
    process.stderr.write(`${name}: ${cells.join(' / ')}\n`);
  }
  await publish({
    title: 'Line scanners on adversarial lines',
    script: 'scanners.bench.ts',
    body: `${ADVERSARIAL_LINES.length} adversarial lines (test/fixtures/adversarial-lines.ts) per size; each cell is the slowest of them, ms.\n\n` +
      table(['scanner', ...sizes.map((s) => `${s} chars`)], rows),
  });
}

void main();
