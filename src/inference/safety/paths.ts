// The one rule for a relative path that comes from someone else (a hub's file listing, a model
// manifest) and is about to become a file under a folder of ours: plain segments only, and the
// result must resolve inside that folder, also after following symlinks that already exist there.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { escapeTerminal } from './text';

export const MAX_ENTRY_CHARS = 1024;
export const MAX_SEGMENT_CHARS = 255;
export const MAX_ENTRY_DEPTH = 32;

/** CON, PRN, AUX, NUL, COM1-9, LPT1-9 (with any extension): Windows opens a device instead of a file. */
const WINDOWS_DEVICE = /^(?:con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(?:\..*)?$/i;

/** A path from a listing or manifest that we refuse to turn into a file. */
export class UnsafePathError extends Error {
  constructor(readonly where: string, readonly entry: unknown, readonly reason: string) {
    super(`${where}: unsafe file path ${typeof entry === 'string' ? `"${escapeTerminal(entry)}"` : escapeTerminal(String(JSON.stringify(entry)))} (${reason})`);
    this.name = 'UnsafePathError';
  }
}

function segmentProblem(segment: string): string | undefined {
  if (segment === '') return 'it has an empty segment';
  if (segment === '.' || segment === '..') return `it has a "${segment}" segment`;
  if (segment.length > MAX_SEGMENT_CHARS) return `it has a segment longer than ${MAX_SEGMENT_CHARS} characters`;
  if (segment.includes(':')) return 'it contains ":" (a drive letter or an NTFS stream)';
  if (/[. ]$/.test(segment)) return 'a segment ends in "." or a space, which Windows drops';
  if (WINDOWS_DEVICE.test(segment)) return `"${segment}" is a Windows device name`;
  return undefined;
}

/** Why `entry` is not a plain relative path of safe segments, or undefined when it is one. */
export function entryPathProblem(entry: unknown): string | undefined {
  if (typeof entry !== 'string') return 'it is not a string';
  if (entry === '') return 'it is empty';
  if (entry.length > MAX_ENTRY_CHARS) return `it is longer than ${MAX_ENTRY_CHARS} characters`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(entry)) return 'it contains control characters';
  if (entry.includes('\\')) return 'it contains a backslash';
  if (entry.startsWith('/')) return 'it is absolute';
  if (/^[A-Za-z]:/.test(entry)) return 'it starts with a drive letter';
  const segments = entry.split('/');
  if (segments.length > MAX_ENTRY_DEPTH) return `it is nested more than ${MAX_ENTRY_DEPTH} folders deep`;
  for (const segment of segments) {
    const problem = segmentProblem(segment);
    if (problem) return problem;
  }
  return undefined;
}

/** Throws UnsafePathError (naming `where` and the entry) unless `entry` is a safe relative path. */
export function assertSafeEntry(entry: unknown, where: string): string {
  const problem = entryPathProblem(entry);
  if (problem) throw new UnsafePathError(where, entry, problem);
  return entry as string;
}

/** True when `candidate` is `root` or below it, lexically (both resolved). */
export function isInsideDir(root: string, candidate: string): boolean {
  const rel = path.relative(path.resolve(root), path.resolve(candidate));
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

/** `root/entry` for a safe entry; the lexical result is checked to stay inside `root` as well. */
export function resolveInside(root: string, entry: unknown, where: string): string {
  const safe = assertSafeEntry(entry, where);
  const absolute = path.resolve(root, ...safe.split('/'));
  if (!isInsideDir(root, absolute)) throw new UnsafePathError(where, entry, `it resolves outside ${root}`);
  return absolute;
}

async function realpathOrUndefined(p: string): Promise<string | undefined> {
  try {
    return await fs.realpath(p);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
}

/**
 * `resolveInside`, then the real path of the deepest part that exists (the file itself when it
 * exists) must lie inside the real `root`: a folder or file symlinked out of `root` is refused
 * before anything is deleted, written or read through it.
 */
export async function resolveInsideReal(root: string, entry: unknown, where: string): Promise<string> {
  const absolute = resolveInside(root, entry, where);
  const realRoot = (await realpathOrUndefined(root)) ?? path.resolve(root);
  for (let probe = absolute; isInsideDir(root, probe); probe = path.dirname(probe)) {
    const real = await realpathOrUndefined(probe);
    if (real === undefined) {
      // A dangling link would be followed by the next open('w'): it names a file somewhere else.
      const link = await fs.lstat(probe).catch(() => undefined);
      if (link?.isSymbolicLink()) throw new UnsafePathError(where, entry, 'it is a symbolic link to a missing file');
      continue;
    }
    if (!isInsideDir(realRoot, real)) throw new UnsafePathError(where, entry, `it leads outside ${root} through a symbolic link (to ${escapeTerminal(real)})`);
    break;
  }
  return absolute;
}
