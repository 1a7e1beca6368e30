// Starts code-server on a free loopback port with a throw-away profile and stops its whole
// process group afterwards. Everything it writes goes under the given run folder, or into a temp folder
// of its own that stop() deletes.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CodeServerInstall } from './install';
import { stopGroup, trackGroup } from './processes';

export interface CodeServerOptions {
  /** Run folder: config.yaml, server.log, user-data/ and extensions/ go here. */
  readonly runDir: string;
  /** Extra user settings merged over the harness defaults. */
  readonly settings?: Record<string, unknown>;
  /** Environment for the server and so for its extension host (and the worker it starts). */
  readonly env?: Record<string, string>;
  /** Defaults to `<runDir>/extensions`; a VSIX test installs into it before starting. */
  readonly extensionsDir?: string;
  readonly log?: (line: string) => void;
}

export interface RunningCodeServer {
  readonly port: number;
  readonly origin: string;
  readonly userDataDir: string;
  readonly extensionsDir: string;
  readonly logFile: string;
  /** Last lines of the server log, for failure messages. */
  logTail(lines?: number): string;
  stop(): Promise<void>;
}

/** Settings that keep the workbench quiet and deterministic for automation. */
export const QUIET_SETTINGS: Readonly<Record<string, unknown>> = {
  'security.workspace.trust.enabled': false,
  'security.workspace.trust.startupPrompt': 'never',
  'telemetry.telemetryLevel': 'off',
  'workbench.startupEditor': 'none',
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'chat.commandCenter.enabled': false,
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'git.enabled': false,
  'npm.autoDetect': 'off',
  'typescript.tsserver.experimental.enableProjectDiagnostics': false,
  'window.restoreWindows': 'none',
  'files.hotExit': 'off',
};

export async function startCodeServer(install: CodeServerInstall, options: CodeServerOptions): Promise<RunningCodeServer> {
  const log = options.log ?? console.log;
  const userDataDir = path.join(options.runDir, 'user-data');
  const extensionsDir = options.extensionsDir ?? path.join(options.runDir, 'extensions');
  mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  writeFileSync(
    path.join(userDataDir, 'User', 'settings.json'),
    JSON.stringify({ ...QUIET_SETTINGS, ...options.settings }, null, 2),
  );
  const configFile = path.join(options.runDir, 'config.yaml');
  writeFileSync(configFile, 'auth: none\ncert: false\n');

  const port = await freePort();
  const logFile = path.join(options.runDir, 'server.log');
  const tmp = serverTempDir();
  const child = spawnServer(install, port, { configFile, userDataDir, extensionsDir, logFile, env: { ...options.env, TMPDIR: tmp } });
  const origin = `http://127.0.0.1:${port}`;
  const server: RunningCodeServer = {
    port,
    origin,
    userDataDir,
    extensionsDir,
    logFile,
    logTail: (lines = 30) => readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n'),
    stop: async () => {
      await stopGroup(child);
      rmSync(tmp, { recursive: true, force: true });
    },
  };
  try {
    await waitForHealth(origin, child, 60_000);
  } catch (error) {
    await server.stop();
    throw new Error(`${(error as Error).message}\n--- ${logFile} ---\n${server.logTail()}`);
  }
  log(`[harness] code-server ${origin} (log: ${logFile})`);
  return server;
}

/**
 * The server's own TMPDIR. Killed at the end, VS Code leaves its vscode-ipc-*.sock sockets and the
 * TypeScript server's vscode-typescript* folder in the temp folder; in a folder of their own they go
 * with it. Short on purpose: a Unix socket path must stay under ~104 bytes (macOS), and macOS's own
 * temp folder is already ~50, so there it is /tmp.
 */
function serverTempDir(): string {
  return mkdtempSync(path.join(process.platform === 'darwin' ? '/tmp' : os.tmpdir(), 'nf-cs-'));
}

interface SpawnPaths {
  configFile: string;
  userDataDir: string;
  extensionsDir: string;
  logFile: string;
  env: Record<string, string> | undefined;
}

function spawnServer(install: CodeServerInstall, port: number, p: SpawnPaths): ChildProcess {
  const args = [
    install.entry,
    '--bind-addr', `127.0.0.1:${port}`,
    '--auth', 'none',
    '--disable-workspace-trust',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    '--config', p.configFile,
    '--user-data-dir', p.userDataDir,
    '--extensions-dir', p.extensionsDir,
  ];
  const out = createWriteStream(p.logFile);
  // detached: a process group of its own, so stopGroup() also reaches the extension host and worker.
  const child = spawn(process.execPath, args, {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...p.env, PASSWORD: undefined, HASHED_PASSWORD: undefined },
  });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  trackGroup(child);
  return child;
}

async function waitForHealth(origin: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`code-server exited during start (code ${String(child.exitCode)}, signal ${String(child.signalCode)})`);
    }
    try {
      const response = await fetch(`${origin}/healthz`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
    } catch (error) {
      // Connection refused until the server listens: expected while it starts; retry below.
      if (!(error instanceof TypeError) && !(error instanceof DOMException)) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`code-server did not answer ${origin}/healthz within ${timeoutMs / 1000} s`);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
