// (5) Editor-side costs, measured in plain Node (no VS Code here):
//   - load time: require() of dist/extension.js (with a stub `vscode` module, activate() not called:
//     it needs a real extension host) and of the bundled pure references layer, each in a fresh process;
//   - hover cost proxy: recognizeLine + resolveReference + header/metadata read of an existing PNG,
//     p50/p95 over 200 hovers;
//   - recognizer throughput on a generated 10k-line file;
//   - 1920×1080 PNG placeholder (the same call as bench/placeholder.bench.ts).
//   npx tsx bench/editor.bench.ts [--hovers 200] [--out file] [--no-write]
import { execFileSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { build } from 'esbuild';
import { makePlaceholder } from '../src/inference/image/placeholder';
import { readImageInfo, readNanoforgeMetadata, recognizeLine, referenceAt, resolveReference } from '../src/extension/references';
import { nodeProbe } from '../test/fixtures/node-probe';
import { argNumber, fmt, fmtStats, percentile, publish, REPO, stats, table } from './lib/report';

const WORKSPACE = path.join(REPO, 'test', 'fixtures', 'workspace');

/** Median/min/max of `runs` fresh-process require() times of `file` (ms, measured inside the child). */
function requireTimes(file: string, runs: number, stubVscode: boolean): number[] {
  const stub = stubVscode
    // Every property, call and `new` gives the stub back; esbuild's __toESM copies the prototype, so it is a stub too.
    ? "const M=require('module');const o=M._load;const h={get:(t,k)=>k==='__esModule'?false:p,apply:()=>p,construct:()=>p};" +
      "const q=new Proxy({},{get:(t,k)=>k==='__esModule'?false:p});h.getPrototypeOf=()=>q;const p=new Proxy(function(){},h);" +
      "M._load=function(r,...a){return r==='vscode'?p:o.call(this,r,...a)};"
    : '';
  const script = `${stub}const t=process.hrtime.bigint();require(${JSON.stringify(file)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
  return Array.from({ length: runs }, () => Number(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })));
}

async function loadRows(): Promise<string[][]> {
  const rows: string[][] = [];
  const dist = path.join(REPO, 'dist', 'extension.js');
  if (existsSync(dist)) {
    rows.push(['require(dist/extension.js), stub vscode', `${fmtStats(stats(requireTimes(dist, 7, true)), 1)} ms`, `${fmt((await fs.stat(dist)).size / 1024, 0)} KiB bundle`]);
  } else rows.push(['require(dist/extension.js)', '–', 'not built (npm run build)']);
  const bundle = path.join(os.tmpdir(), `nanoforge-references-${process.pid}.js`);
  await build({ entryPoints: [path.join(REPO, 'src', 'extension', 'references', 'index.ts')], bundle: true, platform: 'node', format: 'cjs', outfile: bundle, logLevel: 'error' });
  rows.push(['require(references layer, bundled)', `${fmtStats(stats(requireTimes(bundle, 7, false)), 1)} ms`, `${fmt((await fs.stat(bundle)).size / 1024, 0)} KiB bundle`]);
  await fs.rm(bundle, { force: true });
  return rows;
}

/** One hover on an existing image: find the reference under the cursor, resolve it, read its header. */
async function hoverOnce(line: string, character: number, documentPath: string): Promise<boolean> {
  const match = referenceAt(line, 'markdown', character);
  if (!match) return false;
  const resolution = await resolveReference(match.path, { documentPath, workspaceFolders: [WORKSPACE], probe: nodeProbe });
  if (!resolution.resolved) return false;
  const handle = await fs.open(resolution.resolved, 'r');
  try {
    const { size } = await handle.stat();
    const head = new Uint8Array(Math.min(size, 64 * 1024));
    await handle.read(head, 0, head.length, 0);
    // The hover shows the size and, when present, the recorded prompt: both reads are part of its cost.
    const info = readImageInfo(head);
    readNanoforgeMetadata(head);
    return info !== undefined;
  } finally {
    await handle.close();
  }
}

async function hoverRow(hovers: number): Promise<string[]> {
  const line = 'See the logo ![Company logo](images/logo.png "logo") in the header.';
  const character = line.indexOf('logo.png');
  const documentPath = path.join(WORKSPACE, 'README.md');
  if (!(await hoverOnce(line, character, documentPath))) throw new Error('hover proxy did not resolve images/logo.png in the fixture workspace');
  const times: number[] = [];
  for (let i = 0; i < hovers + 20; i++) {
    const started = performance.now();
    await hoverOnce(line, character, documentPath);
    if (i >= 20) times.push(performance.now() - started);
  }
  return [`hover proxy (${hovers} hovers after 20 warm-up)`, `p50 ${fmt(percentile(times, 50), 3)} ms, p95 ${fmt(percentile(times, 95), 3)} ms, max ${fmt(Math.max(...times), 3)} ms`, 'referenceAt + resolveReference (node fs) + 64 KiB header read + readImageInfo/readNanoforgeMetadata'];
}

/** A 10k-line mix of markdown, HTML, CSS, imports and plain code (1 in 4 lines has a reference). */
function syntheticLines(count: number): string[] {
  const kinds = [
    (i: number) => `![Screenshot ${i}](docs/images/shot-${i}.png)`,
    (i: number) => `<img src="/assets/icons/icon-${i}.svg" alt="icon ${i}" width="32" height="32">`,
    (i: number) => `.hero-${i} { background: url("../img/hero-${i}.webp") no-repeat; }`,
    (i: number) => `import logo${i} from './assets/logo-${i}.png';`,
  ];
  return Array.from({ length: count }, (_, i) => (i % 4 === 0 ? (kinds[(i / 4) % 4] as (i: number) => string)(i) : `  const value${i} = compute(${i}, "text without a path", options.flag); // comment ${i}`));
}

function recognizerRow(): string[] {
  const lines = syntheticLines(10_000);
  const times: number[] = [];
  let found = 0;
  for (let run = 0; run < 8; run++) {
    const started = performance.now();
    found = 0;
    for (const line of lines) found += recognizeLine(line, 'markdown').length;
    if (run >= 2) times.push(performance.now() - started);
  }
  const s = stats(times);
  return ['recognizeLine over a 10k-line file (6 runs after 2 warm-up)', `${fmtStats(s, 1)} ms per file = ${fmt(10_000 / (s.median / 1000) / 1000, 0)}k lines/s`, `${found} references found`];
}

async function placeholderRow(): Promise<string[]> {
  const times: number[] = [];
  for (let i = 0; i < 25; i++) {
    const started = performance.now();
    await makePlaceholder({ width: 1920, height: 1080, format: 'png' });
    if (i >= 5) times.push(performance.now() - started);
  }
  return ['placeholder 1920×1080 PNG (20 runs after 5 warm-up)', `${fmtStats(stats(times), 1)} ms`, 'makePlaceholder, default label; see also bench/placeholder.bench.ts'];
}

async function main(): Promise<void> {
  const rows = [...(await loadRows()), await hoverRow(argNumber('--hovers', 200)), recognizerRow(), await placeholderRow()];
  const body = 'Editor-side costs in plain Node. Activation inside VS Code is not measured here (activate() needs a real ' +
    'extension host; the integration harness runs it); the rows give the module load part of it.\n\n' + table(['measure', 'result', 'notes'], rows);
  await publish({ title: 'Editor costs', script: 'editor.bench.ts', body });
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
