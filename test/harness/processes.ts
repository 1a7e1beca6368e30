// Every process the harness starts runs in its own process group, registered here, so the whole
// tree (code-server, its extension host, the inference worker) can be stopped on success, failure,
// Ctrl-C or an uncaught error — nothing outlives the test run.
import type { ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';

const groups = new Set<number>();
let handlersInstalled = false;

/** Registers a child started with `detached: true` (so its pid is also its process-group id). */
export function trackGroup(child: ChildProcess): void {
  if (child.pid === undefined) throw new Error('child process has no pid (it failed to spawn)');
  groups.add(child.pid);
  child.once('exit', () => groups.delete(child.pid as number));
  // scripts/test-all.mjs names a file here, so it can stop these groups even if we are killed hard.
  const ledger = process.env.NANOFORGE_TEST_GROUPS_FILE;
  if (ledger) appendFileSync(ledger, `${child.pid}\n`);
  installHandlers();
}

/** Sends `signal` to the group; false when the group is already gone. */
export function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

/** SIGTERM, then SIGKILL if the leader has not exited after `graceMs`. */
export async function stopGroup(child: ChildProcess, graceMs = 5_000): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  const exited = child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise<void>((resolve) => child.once('exit', () => resolve()));
  signalGroup(pid, 'SIGTERM');
  const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), graceMs).unref());
  if ((await Promise.race([exited, timer])) === 'timeout') signalGroup(pid, 'SIGKILL');
  // Children of the leader (extension host, worker) may outlive it; the group kill reaches them.
  signalGroup(pid, 'SIGKILL');
  groups.delete(pid);
}

function killAllNow(): void {
  for (const pid of groups) signalGroup(pid, 'SIGKILL');
  groups.clear();
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.once('exit', killAllNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAllNow();
      process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
    });
  }
}
