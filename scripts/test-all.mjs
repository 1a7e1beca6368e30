#!/usr/bin/env node
// `npm test`: every test phase in order, each phase's summary, and one closing line
// "N passed, N failed". Exits non-zero when anything failed.
//   node scripts/test-all.mjs                      all phases
//   node scripts/test-all.mjs unit integration     only these (build always runs unless skipped)
// Phases: build, fixtures, unit, webview, integration, e2e, packaged.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const hasTests = (dir, pattern = /\.test\.ts$/) => existsSync(path.join(root, dir)) && readdirSync(path.join(root, dir)).some((f) => pattern.test(f));
const mochaConfig = (dir) => (existsSync(path.join(root, dir, '.mocharc.json')) ? ['--config', path.join(dir, '.mocharc.json')] : ['--require', 'tsx/cjs', `${dir}/**/*.test.ts`]);

/** Each phase: a command, and how to read its counts from the output. `gate`: stop on failure. */
const PHASES = [
  { name: 'build', gate: true, cmd: ['node', 'esbuild.mjs'] },
  { name: 'fixtures', gate: true, cmd: [bin('tsx'), 'scripts/make-test-models.ts'], when: () => existsSync(path.join(root, 'scripts/make-test-models.ts')) },
  { name: 'unit', counts: 'mocha', cmd: [bin('mocha')] },
  { name: 'webview', counts: 'mocha', cmd: [bin('mocha'), ...mochaConfig('test/webview')], when: () => hasTests('test/webview') },
  { name: 'integration', counts: 'plain', cmd: [bin('tsx'), 'test/harness/run-integration.ts'] },
  { name: 'e2e', counts: 'mocha', cmd: [bin('mocha'), '--config', 'test/e2e/.mocharc.json'], when: () => hasTests('test/e2e') },
  { name: 'packaged', counts: 'plain', cmd: [bin('tsx'), 'test/harness/run-packaged.ts'] },
];

/** A phase must end within this; a hung one is killed and counted as failed. */
const PHASE_TIMEOUT_MS = Number(process.env.NANOFORGE_PHASE_TIMEOUT_MIN ?? 30) * 60_000;
// The harness appends the process groups it starts (code-server) to this file: they are groups of
// their own, so killing a phase's group does not reach them.
const ledgerDir = mkdtempSync(path.join(os.tmpdir(), 'nanoforge-test-all-'));
const ledger = path.join(ledgerDir, 'groups');

let current;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    // Each phase runs in its own process group; take the whole group (code-server, Chromium) down.
    if (current?.pid) killGroup(current.pid);
    killLedgerGroups();
    process.exit(130);
  });
}

function killLedgerGroups() {
  if (!existsSync(ledger)) return;
  for (const pid of readFileSync(ledger, 'utf8').split('\n').filter(Boolean)) killGroup(Number(pid));
  rmSync(ledger, { force: true });
}

function killGroup(pid) {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch (error) {
    if (error.code !== 'ESRCH') throw error;
  }
}

/** Runs one phase, streaming its output and keeping a copy to read the counts from. */
function runPhase(phase) {
  return new Promise((resolve) => {
    const [command, ...args] = phase.cmd;
    const started = Date.now();
    const env = { ...process.env, NANOFORGE_TEST_GROUPS_FILE: ledger };
    const child = spawn(command, args, { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env });
    current = child;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      console.error(`\n[test-all] ${phase.name} still running after ${PHASE_TIMEOUT_MS / 60_000} min: stopping it`);
      killGroup(child.pid);
    }, PHASE_TIMEOUT_MS);
    let output = '';
    child.stdout.on('data', (chunk) => { output += chunk; process.stdout.write(chunk); });
    child.stderr.on('data', (chunk) => { output += chunk; process.stderr.write(chunk); });
    child.on('error', (error) => { output += String(error); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      // Whatever the phase left behind (a stuck server, a browser) goes now.
      killGroup(child.pid);
      killLedgerGroups();
      current = undefined;
      resolve({ code: timedOut ? 124 : (code ?? (signal ? 1 : 0)), output, seconds: (Date.now() - started) / 1000 });
    });
  });
}

function readCounts(kind, output) {
  const last = (re) => {
    const all = [...output.matchAll(re)];
    return all.length ? Number(all[all.length - 1][1]) : 0;
  };
  if (kind === 'mocha') return { passed: last(/^\s*(\d+) passing/gm), failed: last(/^\s*(\d+) failing/gm), skipped: last(/^\s*(\d+) pending/gm) };
  if (kind === 'plain') return { passed: last(/(\d+) passed, \d+ failed/gm), failed: last(/\d+ passed, (\d+) failed/gm), skipped: last(/\d+ passed, \d+ failed, (\d+) skipped/gm) };
  return undefined;
}

async function main() {
  const only = process.argv.slice(2);
  const unknown = only.filter((n) => !PHASES.some((p) => p.name === n));
  if (unknown.length) throw new Error(`unknown phase(s) ${unknown.join(', ')}; phases: ${PHASES.map((p) => p.name).join(', ')}`);
  const summary = [];
  for (const phase of PHASES) {
    if (only.length && !only.includes(phase.name) && phase.name !== 'build') continue;
    if (phase.when && !phase.when()) { summary.push({ name: phase.name, note: 'no tests yet' }); continue; }
    console.log(`\n=== ${phase.name}: ${phase.cmd.map((c) => path.relative(root, c) || c).join(' ')}`);
    const result = await runPhase(phase);
    const counts = phase.counts ? readCounts(phase.counts, result.output) : undefined;
    // A runner that exits non-zero with no failing test counted (crash, timeout) counts as one failure.
    if (counts && result.code !== 0 && counts.failed === 0) counts.failed = 1;
    summary.push({ name: phase.name, code: result.code, counts, seconds: result.seconds });
    if (phase.gate && result.code !== 0) break;
  }
  return printSummary(summary);
}

function printSummary(summary) {
  const total = summary.reduce((sum, s) => sum + (s.seconds ?? 0), 0);
  console.log(`\n=== summary (${(total / 60).toFixed(1)} min)`);
  let passed = 0, failed = 0, skipped = 0;
  for (const s of summary) {
    if (s.note) { console.log(`  ${s.name.padEnd(12)} ${s.note}`); continue; }
    const status = s.code === 0 ? 'ok' : `FAILED (exit ${s.code})`;
    const counts = s.counts ? `${s.counts.passed} passed, ${s.counts.failed} failed, ${s.counts.skipped} skipped` : '';
    console.log(`  ${s.name.padEnd(12)} ${status.padEnd(18)} ${counts.padEnd(36)} ${s.seconds.toFixed(1)} s`);
    if (s.counts) { passed += s.counts.passed; failed += s.counts.failed; skipped += s.counts.skipped; }
    else if (s.code !== 0) failed += 1;
  }
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
  return failed > 0 || summary.some((s) => s.code) ? 1 : 0;
}

main().then(
  (code) => {
    rmSync(ledgerDir, { recursive: true, force: true });
    process.exit(code);
  },
  (error) => { console.error(error); process.exit(1); },
);
