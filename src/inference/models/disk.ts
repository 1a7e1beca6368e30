// Disk facts the model manager needs: free space (checked before a download starts), size of a
// folder on disk, and byte/rate/time formatting shared by the CLI and the extension.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/** Free bytes for an unprivileged user on the volume holding `dir` (or its nearest existing parent). */
export type FreeSpaceFn = (dir: string) => Promise<number>;

export const freeSpace: FreeSpaceFn = async (dir) => {
  let probe = path.resolve(dir);
  for (;;) {
    try {
      const stats = await fs.statfs(probe);
      return Number(stats.bavail) * Number(stats.bsize);
    } catch (error) {
      const parent = path.dirname(probe);
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || parent === probe) throw error;
      probe = parent;
    }
  }
};

export class DiskSpaceError extends Error {
  constructor(readonly dir: string, readonly neededBytes: number, readonly freeBytes: number) {
    super(`not enough free disk space in ${dir}: the download needs ${formatBytes(neededBytes)} more, ${formatBytes(freeBytes)} is free. Free some space or choose another models folder.`);
    this.name = 'DiskSpaceError';
  }
}

/** Headroom kept free beyond the download itself, so the volume is not filled to the last byte. */
export const DISK_HEADROOM_BYTES = 256 * 1024 * 1024;

/** Throws DiskSpaceError when `neededBytes` (+ headroom) will not fit. */
export async function ensureFreeSpace(dir: string, neededBytes: number, free: FreeSpaceFn = freeSpace, headroom = DISK_HEADROOM_BYTES): Promise<void> {
  if (neededBytes <= 0) return;
  const available = await free(dir);
  if (available < neededBytes + headroom) throw new DiskSpaceError(dir, neededBytes + headroom, available);
}

/** Size of `file` in bytes, or undefined when there is no such file; any other failure is thrown. */
export async function fileSize(file: string): Promise<number | undefined> {
  try {
    return (await fs.stat(file)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Bytes the files under `dir` occupy (apparent sizes; symlinks are not followed). */
export async function sizeOnDisk(dir: string): Promise<number> {
  let total = 0;
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) total += await sizeOnDisk(full);
    else if (entry.isFile()) total += (await fs.stat(full)).size;
  }
  return total;
}

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

/** 1536 → "1.5 KB" (decimal units, as the hub shows sizes). */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 2 : value < 100 ? 1 : 0)} ${UNITS[unit]}`;
}

/** 95 → "1m 35s". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

/**
 * fs.rename that rides out Windows' transient EPERM/EBUSY/EACCES (an antivirus or the indexer
 * briefly holding a freshly written file or folder); elsewhere the first error is final.
 */
export async function renameWithRetry(from: string, to: string, attempts = 8): Promise<void> {
  for (let i = 1; ; i++) {
    try {
      await fs.rename(from, to);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? '';
      if (process.platform !== 'win32' || !['EPERM', 'EBUSY', 'EACCES'].includes(code) || i >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** i));
    }
  }
}
