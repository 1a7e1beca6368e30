// Where the repository and the run folders are, independent of the current directory.
import { mkdirSync, rmSync } from 'node:fs';
import * as path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** Empties (or creates) a run folder, so each run's outputs stand alone. */
export function freshDir(dir: string): string {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}
