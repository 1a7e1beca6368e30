// Where may Nanoforge write? Only inside a workspace folder. The lexical checks (no `..` escape, no
// absolute path elsewhere) run first; `checkRealTarget` then follows symlinks with an injected
// realpath, so a link inside the workspace that points outside is refused too.
import * as path from 'node:path';

export type SafetyVerdict = { ok: true; path: string; folder: string } | { ok: false; reason: string };

function isWindowsStyle(p: string): boolean {
  return /^[A-Za-z]:/.test(p) || p.includes('\\');
}

/** Windows path rules when any of the paths looks like a Windows path, POSIX otherwise. */
export function flavour(...paths: string[]): path.PlatformPath {
  return paths.some(isWindowsStyle) ? path.win32 : path.posix;
}

/** Lexical normalisation (no file-system access): resolves `.`/`..`, unifies separators. */
export function normalizePath(p: string, impl: path.PlatformPath = flavour(p)): string {
  const resolved = impl.resolve(impl === path.win32 ? p.replace(/\//g, '\\') : p);
  // Windows paths compare case-insensitively; keep a trailing-separator-free form.
  return impl === path.win32 ? resolved.toLowerCase() : resolved;
}

/** True when `child` is `folder` itself or lies below it (lexically; `..` escapes fail). */
export function isInsideFolder(child: string, folder: string): boolean {
  if (!child || !folder) return false;
  const impl = flavour(child, folder);
  const c = normalizePath(child, impl);
  const f = normalizePath(folder, impl);
  const rel = impl.relative(f, c);
  const escapes = rel === '..' || rel.startsWith(`..${impl.sep}`);
  return rel === '' || (!escapes && !impl.isAbsolute(rel));
}

/** The innermost workspace folder that contains `p`, if any (nested folders pick the deepest). */
export function containingFolder(p: string, folders: readonly string[]): string | undefined {
  let best: string | undefined;
  for (const folder of folders) {
    if (isInsideFolder(p, folder) && (!best || folder.length > best.length)) best = folder;
  }
  return best;
}

/**
 * Checks a write target. `target` may be relative (joined to `base`, e.g. the document's folder)
 * or absolute. Returns the normalised absolute path and its workspace folder, or why it is refused.
 */
export function checkTarget(target: string, folders: readonly string[], base?: string): SafetyVerdict {
  if (!target.trim()) return { ok: false, reason: 'The target path is empty.' };
  if (folders.length === 0) return { ok: false, reason: 'Open a folder first: Nanoforge only writes inside a workspace folder.' };
  const impl = flavour(target, base ?? '', ...folders);
  if (!impl.isAbsolute(target) && !base) return { ok: false, reason: `"${target}" is relative and there is no folder to resolve it against.` };
  const absolute = impl.isAbsolute(target) ? impl.normalize(target) : impl.join(base ?? '', target);
  const folder = containingFolder(absolute, folders);
  if (!folder) return { ok: false, reason: `"${target}" is outside every workspace folder; Nanoforge only writes inside the workspace.` };
  return { ok: true, path: absolute, folder };
}

export type Realpath = (p: string) => Promise<string>;

async function realpathOfNearestExisting(p: string, realpath: Realpath, impl: path.PlatformPath): Promise<string> {
  const missing: string[] = [];
  let current = p;
  for (;;) {
    try {
      return impl.join(await realpath(current), ...missing.reverse());
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
      const parent = impl.dirname(current);
      if (parent === current) return p; // nothing on the path exists: the lexical answer stands
      missing.push(impl.basename(current));
      current = parent;
    }
  }
}

/** `checkTarget`, then the same check on real paths so symlinked directories cannot escape. */
export async function checkRealTarget(
  target: string, folders: readonly string[], realpath: Realpath, base?: string,
): Promise<SafetyVerdict> {
  const lexical = checkTarget(target, folders, base);
  if (!lexical.ok) return lexical;
  const impl = flavour(lexical.path, lexical.folder);
  const realTarget = await realpathOfNearestExisting(lexical.path, realpath, impl);
  const realFolder = await realpathOfNearestExisting(lexical.folder, realpath, impl);
  if (!isInsideFolder(realTarget, realFolder)) {
    return { ok: false, reason: `"${target}" leads outside the workspace through a symbolic link (${realTarget}).` };
  }
  return lexical;
}
