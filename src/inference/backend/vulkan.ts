// Whether the Vulkan loader can be found, checked without loading it. onnxruntime-node 1.30's WebGPU
// provider (Dawn) on Linux needs libvulkan.so.1; without it Dawn prints a three-line
// "Couldn't load Vulkan" warning on stderr and fails with "Failed to get a WebGPU adapter".
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';

export const VULKAN_LOADER = 'libvulkan.so.1';

/** The folders the dynamic loader searches by default on common distributions (glibc, Debian multiarch, Fedora, Arch). */
const STANDARD_LIB_DIRS = [
  '/lib', '/usr/lib', '/lib64', '/usr/lib64', '/usr/local/lib', '/usr/local/lib64',
  '/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/lib/aarch64-linux-gnu', '/usr/lib/aarch64-linux-gnu',
];

export interface LoaderSearch {
  /** LD_LIBRARY_PATH, colon-separated (default: this process's). */
  ldLibraryPath?: string;
  /** Folders to look in besides LD_LIBRARY_PATH (default: the standard library folders). */
  libDirs?: readonly string[];
  /** Output of `ldconfig -p` (default: run it; an ldconfig that is missing or fails counts as no entry). */
  ldconfigOutput?: () => string;
}

function runLdconfig(): string {
  for (const ldconfig of ['/sbin/ldconfig', '/usr/sbin/ldconfig', 'ldconfig']) {
    try {
      return execFileSync(ldconfig, ['-p'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 });
    } catch (error) {
      // Not at this path, or it failed: try the next one; no ldconfig at all means no cache entry.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return '';
    }
  }
  return '';
}

/** Where libvulkan.so.1 is: a path, `ldconfig` when only the loader cache names it, or undefined. */
export function findVulkanLoader(search: LoaderSearch = {}): string | undefined {
  const fromEnv = (search.ldLibraryPath ?? process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean);
  for (const dir of [...fromEnv, ...(search.libDirs ?? STANDARD_LIB_DIRS)]) {
    const candidate = path.join(dir, VULKAN_LOADER);
    if (existsSync(candidate)) return candidate;
  }
  const cache = (search.ldconfigOutput ?? runLdconfig)();
  return cache.split('\n').some((line) => line.trim().startsWith(`${VULKAN_LOADER} `)) ? 'ldconfig' : undefined;
}

let cached: { found: boolean } | undefined;

/** findVulkanLoader() for this process, looked up once. */
export function hasVulkanLoader(): boolean {
  cached ??= { found: findVulkanLoader() !== undefined };
  return cached.found;
}
