// Editor benchmark that runs inside a real VS Code extension host (code-server, started by
// bench/vscode.bench.ts through the integration harness). It must be the only thing the run loads,
// so the extension is still inactive when it starts: it times activate(), then hovers through
// `vscode.executeHoverProvider` (existing image, missing image, no reference), then the CodeLens and
// missing-asset diagnostics of a generated 10k-line file. It asserts nothing; it writes raw
// timings (ms) as JSON to NANOFORGE_BENCH_RESULTS (else next to NANOFORGE_TEST_RESULTS).
import { writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { scanDocument } from '../../../src/extension/diagnostics';

const EXTENSION_ID = 'nanoforge.nanoforge';

export interface HoverSeries {
  name: string;
  /** `file:needle` the hover points at. */
  at: string;
  /** What the first call returned, shortened: shows the Nanoforge hover was really there. */
  sample: string;
  nanoforgeHover: boolean;
  firstMs: number;
  warmup: number;
  times: number[];
}

export interface BigFileResults {
  lines: number;
  references: number;
  directives: number;
  /** showTextDocument → the Nanoforge diagnostics published (includes the 300 ms debounce). */
  firstDiagnosticsMs: number | null;
  diagnosticsCount: number;
  /** scanDocument() called directly, after the first publish. */
  scanTimes: number[];
  codeLensFirstMs: number;
  codeLensTimes: number[];
  codeLensCount: number;
}

export interface VscodeBenchResults {
  vscodeVersion: string;
  extensionHost: string;
  /** `openDocuments`: what the host had open when the bench started (a JSON or JS one activates us). */
  activation: { wasActive: boolean; ms: number | null; otherActive: string[]; openDocuments: string[] };
  hovers: HoverSeries[];
  bigFile?: BigFileResults;
  errors: string[];
}

function resultsPath(): string {
  if (process.env.NANOFORGE_BENCH_RESULTS) return process.env.NANOFORGE_BENCH_RESULTS;
  const besides = process.env.NANOFORGE_TEST_RESULTS;
  return besides ? path.join(path.dirname(besides), 'vscode-bench.json') : path.join(os.tmpdir(), 'nanoforge-vscode-bench.json');
}

function root(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('no workspace folder is open');
  return folder.uri;
}

async function measureActivation(): Promise<VscodeBenchResults['activation']> {
  const extension = vscode.extensions.getExtension(EXTENSION_ID);
  if (!extension) throw new Error(`${EXTENSION_ID} is not loaded`);
  // Which other extensions the workbench had already started: context for the number below.
  const otherActive = vscode.extensions.all.filter((e) => e.isActive && e.id !== EXTENSION_ID).map((e) => e.id);
  const openDocuments = vscode.workspace.textDocuments.map((d) => `${d.languageId}:${d.uri.scheme === 'file' ? vscode.workspace.asRelativePath(d.uri) : d.uri.toString()}`);
  const wasActive = extension.isActive;
  const started = performance.now();
  await extension.activate();
  const ms = performance.now() - started;
  return { wasActive, ms: wasActive ? null : ms, otherActive, openDocuments };
}

function hoverText(hovers: vscode.Hover[]): string {
  return hovers.flatMap((h) => h.contents).map((c) => (typeof c === 'string' ? c : c.value)).join('\n');
}

async function hoverSeries(name: string, file: vscode.Uri, needle: string, offset: number, calls: number): Promise<HoverSeries> {
  const doc = await vscode.workspace.openTextDocument(file);
  const at = doc.getText().indexOf(needle);
  if (at < 0) throw new Error(`${needle} is not in ${file.path}`);
  const position = doc.positionAt(at + offset);
  const hover = (): Thenable<vscode.Hover[]> => vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', file, position);
  let started = performance.now();
  const text = hoverText(await hover());
  const firstMs = performance.now() - started;
  const warmup = 20;
  for (let i = 0; i < warmup; i++) await hover();
  const times: number[] = [];
  for (let i = 0; i < calls; i++) {
    started = performance.now();
    await hover();
    times.push(performance.now() - started);
  }
  const sample = text.replace(/data:image\/[a-z]+;base64,[A-Za-z0-9+/=]+/g, 'data:…').replace(/\s+/g, ' ').slice(0, 160);
  return { name, at: `${vscode.workspace.asRelativePath(file)}:${needle}`, sample, nanoforgeHover: /Nanoforge|missing|command:nanoforge/.test(text), firstMs, warmup, times };
}

/** A 10k-line JavaScript file: 1 line in 4 has an image reference, 1 in 100 an `@image` directive. */
function bigFileText(lines: number): { text: string; references: number; directives: number } {
  const out: string[] = [];
  let references = 0;
  let directives = 0;
  for (let i = 0; i < lines; i++) {
    if (i % 100 === 50) {
      out.push(`// @image icon 32x32: a red star number ${i} -> ./generated/star-${i}.png`);
      directives++;
    } else if (i % 4 === 0) {
      const kind = (i / 4) % 3;
      out.push(kind === 0 ? `import logo${i} from './assets/logo-${i}.png';` : kind === 1 ? `const shot${i} = "../images/logo.png";` : `el${i}.style.background = "url('/img/hero-${i}.webp')";`);
      references++;
    } else out.push(`  const value${i} = compute(${i}, "text without a path", options.flag); // comment ${i}`);
  }
  return { text: out.join('\n') + '\n', references, directives };
}

function nanoforgeDiagnostics(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'Nanoforge');
}

/** Resolves with the time until `uri` has Nanoforge diagnostics, or null after `timeoutMs`. */
function diagnosticsPublished(uri: vscode.Uri, since: number, timeoutMs: number): Promise<number | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => { listener.dispose(); resolve(null); }, timeoutMs);
    const listener = vscode.languages.onDidChangeDiagnostics((e) => {
      if (!e.uris.some((u) => u.toString() === uri.toString()) || nanoforgeDiagnostics(uri).length === 0) return;
      clearTimeout(timer);
      listener.dispose();
      resolve(performance.now() - since);
    });
  });
}

async function measureBigFile(lines: number): Promise<BigFileResults> {
  const { text, references, directives } = bigFileText(lines);
  const uri = vscode.Uri.joinPath(root(), 'src', 'bench-10k.js');
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
  const doc = await vscode.workspace.openTextDocument(uri);
  const started = performance.now();
  const published = diagnosticsPublished(uri, started, 120_000);
  await vscode.window.showTextDocument(doc);
  const firstDiagnosticsMs = await published;
  const scanTimes: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    await scanDocument(doc, vscode.DiagnosticSeverity.Warning);
    scanTimes.push(performance.now() - t);
  }
  const lenses = (): Thenable<vscode.CodeLens[]> => vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
  let t = performance.now();
  const first = await lenses();
  const codeLensFirstMs = performance.now() - t;
  const codeLensTimes: number[] = [];
  for (let i = 0; i < 10; i++) {
    t = performance.now();
    await lenses();
    codeLensTimes.push(performance.now() - t);
  }
  const codeLensCount = first.filter((l) => /Generate|Nanoforge/.test(l.command?.title ?? '')).length;
  return { lines, references, directives, firstDiagnosticsMs, diagnosticsCount: nanoforgeDiagnostics(uri).length, scanTimes, codeLensFirstMs, codeLensTimes, codeLensCount };
}

async function measureAll(results: VscodeBenchResults): Promise<void> {
  results.activation = await measureActivation();
  const calls = Number(process.env.NANOFORGE_BENCH_HOVERS ?? 200);
  const page = vscode.Uri.joinPath(root(), 'references', 'page.html');
  results.hovers.push(await hoverSeries('existing image (PNG with metadata, thumbnail)', page, 'cart-icon.png', 3, calls));
  results.hovers.push(await hoverSeries('missing image (planned location + Generate link)', page, 'missing-hero.png', 4, calls));
  results.hovers.push(await hoverSeries('no reference (other hover providers only)', page, 'shopping cart', 3, calls));
  if (process.env.NANOFORGE_BENCH_BIG_FILE !== '0') results.bigFile = await measureBigFile(10_000);
}

export async function run(): Promise<void> {
  const results: VscodeBenchResults = {
    vscodeVersion: vscode.version,
    extensionHost: `Node ${process.version}, ${os.cpus().length} cores`,
    activation: { wasActive: false, ms: null, otherActive: [], openDocuments: [] },
    hovers: [],
    errors: [],
  };
  try {
    await measureAll(results);
  } catch (error) {
    // Keep what was measured; the harness side reports the error next to the numbers.
    results.errors.push(error instanceof Error ? (error.stack ?? error.message) : String(error));
  }
  writeFileSync(resultsPath(), JSON.stringify(results, null, 2));
  if (results.errors.length > 0) throw new Error(`vscode bench failed: ${results.errors.join('\n')}`);
}
