// `tsx test/harness/run-integration.ts [--vsix file.vsix] [--timeout seconds]`
// Runs the bundled integration suite (out/test/extension/index.js) inside code-server with the
// fixture workspace, prints the suite's mocha output and exits 0 only when every test passed.
// With --vsix the extension is installed from the package instead of loaded from the repository,
// and only the smoke and "packaged VSIX" suites run (NANOFORGE_TEST_SCOPE). NANOFORGE_TEST_GREP=regex
// narrows either run to the tests whose full title matches (test/harness/test-grep.ts).
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureFixtures } from '../fixtures/models';
import { ensureCodeServer, installVsix } from './install';
import { runExtensionTests } from './integration';
import { REPO_ROOT, freshDir } from './paths';
import { startCodeServer } from './server';

interface Options {
  vsix?: string;
  timeoutMs: number;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { timeoutMs: 15 * 60_000 };
  for (let i = 0; i < argv.length; i += 1) {
    const value = argv[i + 1];
    if (argv[i] === '--vsix' && value) options.vsix = path.resolve(value);
    else if (argv[i] === '--timeout' && value) options.timeoutMs = Number(value) * 1000;
    else throw new Error(`unknown argument ${String(argv[i])}; usage: run-integration.ts [--vsix file] [--timeout seconds]`);
    i += 1;
  }
  return options;
}

interface Counts {
  passes: number;
  failures: number;
  pending: number;
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  const testsPath = path.join(REPO_ROOT, 'out', 'test', 'extension', 'index.js');
  if (!existsSync(testsPath)) throw new Error(`${testsPath} is missing: run \`npm run build\` first`);
  const phase = options.vsix ? 'packaged' : 'integration';
  const runDir = freshDir(path.join(REPO_ROOT, 'test-output', phase));
  const scratch = mkdtempSync(path.join(os.tmpdir(), `nanoforge-${phase}-`));
  const workspace = path.join(scratch, 'workspace');
  cpSync(path.join(REPO_ROOT, 'test', 'fixtures', 'workspace'), workspace, { recursive: true });
  const model = (await ensureFixtures()).path('oracle-fp32');
  const results = path.join(runDir, 'results.txt');
  console.log(`[harness] ${phase} run folder: ${runDir}`);

  const install = ensureCodeServer();
  const extensionsDir = path.join(scratch, 'extensions');
  if (options.vsix) installVsix(install, options.vsix, extensionsDir, path.join(scratch, 'user-data'));
  const env: Record<string, string> = {
    NANOFORGE_TEST_RESULTS: results,
    NANOFORGE_TEST_MODEL: model,
    NANOFORGE_TEST_EXTENSIONS_DIR: extensionsDir,
    // Against a VSIX: the harness smoke suite and the packaged suite; from source: all but the latter.
    // NANOFORGE_TEST_GREP from this process's environment passes through and narrows it further.
    ...(options.vsix
      ? { NANOFORGE_TEST_SCOPE: '^(integration harness|packaged VSIX) ' }
      : { NANOFORGE_TEST_SCOPE: '^packaged VSIX ', NANOFORGE_TEST_SCOPE_INVERT: '1' }),
  };
  const server = await startCodeServer(install, {
    runDir,
    extensionsDir,
    env,
    settings: { 'nanoforge.model': model, 'nanoforge.worker.idleTimeoutSeconds': 5 },
  });
  const follow = followFile(results);
  try {
    const outcome = await runExtensionTests({
      server,
      // A VSIX run loads a stub as the development extension (VS Code starts the test runner only
      // with one) and the real extension from the installed package.
      extensionDevelopmentPath: options.vsix ? path.join(REPO_ROOT, 'test', 'harness', 'vsix-probe') : REPO_ROOT,
      extensionTestsPath: testsPath,
      workspace,
      runDir,
      timeoutMs: options.timeoutMs,
    });
    follow.stop();
    return report(phase, runDir, results, outcome, server.logTail());
  } finally {
    follow.stop();
    await server.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

function report(phase: string, runDir: string, results: string, outcome: { exitCode?: number; timedOut: boolean }, serverTail: string): number {
  const counts = existsSync(`${results}.json`) ? (JSON.parse(readFileSync(`${results}.json`, 'utf8')) as Counts) : undefined;
  if (outcome.timedOut || !counts) {
    const why = outcome.timedOut ? 'the workbench never reported the end of the tests' : 'the suite wrote no summary';
    console.error(`[harness] ${phase}: ${why} (exit ${String(outcome.exitCode)}); see ${runDir}\n--- server log ---\n${serverTail}`);
    console.log(`${phase}: 0 passed, 1 failed`);
    return 1;
  }
  const failed = counts.failures + (outcome.exitCode === 0 ? 0 : counts.failures === 0 ? 1 : 0);
  if (failed > counts.failures) console.error(`[harness] ${phase}: run() rejected (exit ${String(outcome.exitCode)}) although no test failed`);
  console.log(`${phase}: ${counts.passes} passed, ${failed} failed` + (counts.pending ? `, ${counts.pending} skipped` : ''));
  return failed > 0 ? 1 : 0;
}

/** Echoes what the suite appends to `file` while it runs, so progress shows live in the terminal. */
function followFile(file: string): { stop(): void } {
  let printed = 0;
  const flush = (): void => {
    if (!existsSync(file)) return;
    const text = readFileSync(file, 'utf8');
    // The reporter rewrites the file empty at the start of a run.
    if (text.length < printed) printed = 0;
    process.stdout.write(text.slice(printed));
    printed = text.length;
  };
  const timer = setInterval(flush, 500);
  let stopped = false;
  return {
    stop: () => {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      flush();
    },
  };
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`[harness] ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
