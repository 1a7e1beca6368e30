// Writing assets from the CLI without surprises: only inside a root folder (no `..`, no absolute
// path elsewhere, no symlink leading out), via a temp file in the same folder and a rename, and
// never over an existing file unless forced (otherwise name-1.png, name-2.png, …).
import { randomBytes } from 'node:crypto';
import { promises as fs, unlinkSync } from 'node:fs';
import * as path from 'node:path';

export class UnsafePathError extends Error {
  override readonly name = 'UnsafePathError';
}

export interface SafeWriteOptions {
  /** Replace an existing file instead of picking a free name. */
  force?: boolean;
}

const MAX_SUFFIX = 9999;

function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

async function deepestExisting(dir: string): Promise<string> {
  let current = dir;
  for (;;) {
    const exists = await fs.stat(current).then(() => true, (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return false;
      throw error;
    });
    const parent = path.dirname(current);
    if (exists || parent === current) return current;
    current = parent;
  }
}

/** Resolves `target` against `root`, refusing anything that lands (or links) outside it. */
export async function resolveInsideRoot(root: string, target: string): Promise<{ realRoot: string; file: string }> {
  const realRoot = await fs.realpath(root);
  const absolute = path.resolve(root, target);
  if (!isInside(path.resolve(root), absolute)) {
    throw new UnsafePathError(`refusing to write ${target}: it is outside ${root}`);
  }
  const dir = path.dirname(absolute);
  const outside = (real: string): UnsafePathError =>
    new UnsafePathError(`refusing to write ${target}: its folder resolves to ${real}, outside ${realRoot} (symlink)`);
  // Check the deepest existing ancestor before mkdir, so a symlinked folder never gets new subfolders.
  const existing = await deepestExisting(dir);
  if (!isInside(realRoot, await fs.realpath(existing))) throw outside(await fs.realpath(existing));
  await fs.mkdir(dir, { recursive: true });
  const realDir = await fs.realpath(dir);
  if (!isInside(realRoot, realDir)) throw outside(realDir);
  const file = path.join(realDir, path.basename(absolute));
  const link = await fs.lstat(file).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (link?.isSymbolicLink()) {
    const pointsTo = path.resolve(realDir, await fs.readlink(file));
    if (!isInside(realRoot, pointsTo)) throw new UnsafePathError(`refusing to write ${target}: it is a symlink to ${pointsTo}, outside ${realRoot}`);
  }
  return { realRoot, file };
}

function candidateName(file: string, n: number): string {
  if (n === 0) return file;
  const ext = path.extname(file);
  return `${file.slice(0, file.length - ext.length)}-${n}${ext}`;
}

/**
 * Publishes `temp` as `name` unless something already has that name (false then). link() fails on
 * an existing name, so no race overwrites; the temp name stays a second link until removed.
 */
export async function publishIfFree(temp: string, name: string): Promise<boolean> {
  try {
    await fs.link(temp, name);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EXDEV' && code !== 'ENOSYS') throw error;
    // File systems without hard links (some FUSE/FAT mounts): check, then rename.
    if (await fs.lstat(name).then(() => true, () => false)) return false;
    await fs.rename(temp, name);
    return true;
  }
}

/** Publishes `temp` under the first free name of file, file-1, file-2, … */
async function publishWithoutOverwrite(temp: string, file: string): Promise<string> {
  for (let n = 0; n <= MAX_SUFFIX; n++) {
    const name = candidateName(file, n);
    if (await publishIfFree(temp, name)) return name;
  }
  throw new Error(`no free file name for ${file} (tried up to -${MAX_SUFFIX})`);
}

/** A temp name beside `file`, unique to this process and call (hidden, `.tmp`). */
export function tempNameFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** Temp files this process is writing right now; an interrupted CLI removes them before it exits. */
const liveTemps = new Set<string>();

/**
 * Removes every temp file a writeFileSafely in this process has not finished, synchronously: for a
 * process about to exit on Ctrl-C, so that no half-written `.tmp` stays beside the targets.
 */
export function removeLiveTempFilesSync(): void {
  for (const temp of liveTemps) {
    try {
      unlinkSync(temp);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') process.stderr.write(`could not remove ${temp}: ${(error as Error).message}\n`);
    }
  }
  liveTemps.clear();
}

/** Deletes `file`; a file that is already gone is fine. */
export async function removeQuietly(file: string): Promise<void> {
  await fs.unlink(file).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
}

/**
 * Writes `bytes` to `target` (relative to `root`, or absolute inside it) atomically and returns the
 * path actually written. No temp file is left behind when anything fails.
 */
export async function writeFileSafely(root: string, target: string, bytes: Uint8Array, options: SafeWriteOptions = {}): Promise<string> {
  const { file } = await resolveInsideRoot(root, target);
  const temp = tempNameFor(file);
  liveTemps.add(temp);
  try {
    await fs.writeFile(temp, bytes, { flag: 'wx' });
    if (options.force) {
      await fs.rename(temp, file);
      return file;
    }
    return await publishWithoutOverwrite(temp, file);
  } finally {
    // After link() the temp name is a second link to the published file; after rename it is gone.
    await removeQuietly(temp);
    liveTemps.delete(temp);
  }
}
