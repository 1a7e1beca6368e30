// FileSystemProbe over Node's fs, for tests, the CLI and local (file:) workspaces.
import { promises as fs } from 'node:fs';
import { readTextFileBounded, TooLargeError } from '../../inference/safety/bounded';
import type { FileSystemProbe } from './types';

/** Probed text files are configs (tsconfig.json, jsconfig.json); a larger one is treated as unreadable. */
export const MAX_PROBED_TEXT_BYTES = 512 * 1024;

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EACCES' || code === 'EISDIR';
}

export const nodeProbe: FileSystemProbe = {
  async exists(absPath) {
    try {
      await fs.stat(absPath);
      return true;
    } catch (err) {
      if (isMissing(err)) return false;
      throw err;
    }
  },
  async readText(absPath) {
    try {
      return await readTextFileBounded(absPath, MAX_PROBED_TEXT_BYTES);
    } catch (err) {
      if (isMissing(err) || err instanceof TooLargeError) return undefined;
      throw err;
    }
  },
};
