// Runs the `nanoforge` CLI from source as a real child process (tsx), for the CLI tests.
import { spawn } from 'node:child_process';
import * as path from 'node:path';

export const CLI_MAIN = path.resolve(__dirname, '../../src/cli/main.ts');
/**
 * The models folder CLI runs use unless a test names its own: generate keeps optimized graphs and
 * shown-tip markers in its store's .cache, which must not land in the developer's real store.
 */
export const TEST_STORE = path.resolve(__dirname, '../../test-output/cli-store');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Starts the CLI asynchronously (servers in this process keep serving) and collects its output. */
export function runCli(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), CLI_MAIN, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(opts.cwd ? { cwd: opts.cwd } : {}),
      env: { ...process.env, NANOFORGE_MODELS: TEST_STORE, NODE_PATH: path.resolve(__dirname, '../../node_modules'), ...opts.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr: stderr.trim() }));
  });
}
