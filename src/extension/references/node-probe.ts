// FileSystemProbe over Node's fs, for tests, the CLI and local (file:) workspaces.
import { promises as fs } from 'node:fs';
import type { FileSystemProbe } from './types';

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
      return await fs.readFile(absPath, 'utf8');
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  },
};
