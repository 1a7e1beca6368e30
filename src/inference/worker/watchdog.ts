// The worker ends itself when the process that started it is gone. Its 'disconnect' handler does
// that while the event loop turns, but a worker stuck in synchronous code (a loop, a native call)
// never gets there and kept running at 100 % CPU with parent 1. This watchdog runs on its own
// thread, so it keeps looking while the main thread is busy, and kills the whole process the
// moment the parent pid changes (POSIX reparents orphans) or stops existing (Windows does not).
import { Worker } from 'node:worker_threads';

/** How often the parent is checked. */
export const WATCHDOG_INTERVAL_MS = 500;

// Plain JavaScript for the thread (eval): it must not depend on the bundle or on tsx.
const WATCHDOG_SOURCE = `
const { workerData } = require('node:worker_threads');
const parentGone = () => {
  if (process.ppid !== workerData.parentPid) return true;
  try {
    process.kill(workerData.parentPid, 0);
    return false;
  } catch (error) {
    return error.code === 'ESRCH';
  }
};
setInterval(() => {
  if (!parentGone()) return;
  process.stderr.write('Image worker: the process that started it is gone; exiting.\\n');
  process.kill(process.pid, 'SIGKILL');
}, workerData.intervalMs);
`;

/**
 * Starts the watchdog thread for this process's current parent. It never keeps the process alive
 * by itself (unref). Returns the thread, or undefined when there is no parent to watch.
 */
export function startParentWatchdog(intervalMs = WATCHDOG_INTERVAL_MS): Worker | undefined {
  const parentPid = process.ppid;
  if (!parentPid || parentPid <= 1) return undefined;
  const thread = new Worker(WATCHDOG_SOURCE, { eval: true, workerData: { parentPid, intervalMs }, stdout: false, stderr: false });
  thread.unref();
  thread.on('error', (error) => process.stderr.write(`Image worker: the parent watchdog failed (${error.message}); relying on the IPC channel.\n`));
  return thread;
}
