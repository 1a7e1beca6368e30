// Where the repository and the run folders are, independent of the current directory.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');

const OWNER_FILE = '.owner-pid';

/**
 * Empties (or creates) a run folder, so each run's outputs stand alone. When another live process
 * still owns `dir` (two runs at once in one checkout), uses `dir-<pid>` instead of wiping its files.
 */
export function freshDir(dir: string): string {
  const target = ownedByLiveProcess(dir) ? `${dir}-${process.pid}` : dir;
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  writeFileSync(path.join(target, OWNER_FILE), String(process.pid));
  return target;
}

function ownedByLiveProcess(dir: string): boolean {
  const file = path.join(dir, OWNER_FILE);
  if (!existsSync(file)) return false;
  const pid = Number(readFileSync(file, 'utf8'));
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // ESRCH: the owner is gone; EPERM: alive but not ours, so still taken.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
