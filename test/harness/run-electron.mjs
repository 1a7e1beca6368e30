#!/usr/bin/env node
// `npm run test:electron`: the same integration suite in desktop VS Code, downloaded by
// @vscode/test-electron (needs internet access to update.code.visualstudio.com, so CI uses the
// code-server harness instead: test/harness/run-integration.ts). Set VSCODE_VERSION to pin one.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTests } from '@vscode/test-electron';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function step(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status})`);
}

async function main() {
  step(process.execPath, ['esbuild.mjs']);
  step(path.join(root, 'node_modules', '.bin', 'tsx'), ['scripts/make-test-models.ts']);
  const model = path.join(root, 'test', 'fixtures', 'models', 'oracle-fp32');
  const runDir = path.join(root, 'test-output', 'electron');
  rmSync(runDir, { recursive: true, force: true });
  mkdirSync(runDir, { recursive: true });
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'nanoforge-electron-'));
  const workspace = path.join(scratch, 'workspace');
  cpSync(path.join(root, 'test', 'fixtures', 'workspace'), workspace, { recursive: true });
  const userData = path.join(scratch, 'user-data');
  mkdirSync(path.join(userData, 'User'), { recursive: true });
  const settings = { 'security.workspace.trust.enabled': false, 'telemetry.telemetryLevel': 'off', 'nanoforge.model': model, 'nanoforge.worker.idleTimeoutSeconds': 5 };
  writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
  const results = path.join(runDir, 'results.txt');
  try {
    await runTests({
      version: process.env.VSCODE_VERSION ?? 'stable',
      extensionDevelopmentPath: root,
      extensionTestsPath: path.join(root, 'out', 'test', 'extension', 'index.js'),
      launchArgs: [workspace, '--user-data-dir', userData, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome'],
      extensionTestsEnv: {
        NANOFORGE_TEST_RESULTS: results,
        NANOFORGE_TEST_MODEL: model,
        NANOFORGE_TEST_SCOPE: '^packaged VSIX ',
        NANOFORGE_TEST_SCOPE_INVERT: '1',
        ...(process.env.NANOFORGE_TEST_GREP ? { NANOFORGE_TEST_GREP: process.env.NANOFORGE_TEST_GREP } : {}),
        ...(process.env.NANOFORGE_TEST_GREP_INVERT ? { NANOFORGE_TEST_GREP_INVERT: process.env.NANOFORGE_TEST_GREP_INVERT } : {}),
      },
    });
    return 0;
  } catch (error) {
    console.error(`[electron] ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    if (existsSync(results)) console.log(`[electron] results: ${results}\n${readFileSync(results, 'utf8')}`);
    rmSync(scratch, { recursive: true, force: true });
  }
}

process.exit(await main());
