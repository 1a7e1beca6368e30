// Installs code-server (a real VS Code that runs on Node 20 and serves its workbench to a browser)
// into a cache folder outside the repository, once; later runs find the marker and take no time.
// Why not @vscode/test-electron: it downloads VS Code builds, and CI here reaches only npm + Debian.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, mkdirSync, rmSync, symlinkSync, writeFileSync, lstatSync, chmodSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const CODE_SERVER_VERSION = '4.100.3';

/** Native modules of VS Code's server that `npm install --ignore-scripts` leaves unbuilt. */
const VSCODE_NATIVE_MODULES = ['kerberos', 'node-pty', '@vscode/spdlog', 'native-watchdog', '@parcel/watcher', '@vscode/deviceid'];
/** Bumped when the install recipe changes, so a stale cache is rebuilt rather than trusted. */
const RECIPE_REVISION = '2';

export interface CodeServerInstall {
  /** The code-server package folder (contains out/node/entry.js and lib/vscode). */
  readonly root: string;
  /** The script to run with `node`. */
  readonly entry: string;
}

export function cacheRoot(): string {
  return process.env.NANOFORGE_TEST_CACHE ?? path.join(os.homedir(), '.cache', 'nanoforge-test');
}

/** Returns the cached install, building it first when the marker is missing. */
export function ensureCodeServer(log: (line: string) => void = console.log): CodeServerInstall {
  const base = path.join(cacheRoot(), `code-server-${CODE_SERVER_VERSION}`);
  const root = path.join(base, 'node_modules', 'code-server');
  const install = { root, entry: path.join(root, 'out', 'node', 'entry.js') };
  const marker = path.join(base, '.nanoforge-ready');
  const expected = `${CODE_SERVER_VERSION} recipe ${RECIPE_REVISION} node ${process.versions.node}`;
  if (existsSync(marker) && readText(marker) === expected) return install;

  const started = Date.now();
  log(`[harness] installing code-server ${CODE_SERVER_VERSION} into ${base} (once; cached afterwards)`);
  checkSystemTools();
  rmSync(base, { recursive: true, force: true });
  mkdirSync(base, { recursive: true });
  writeFileSync(path.join(base, 'package.json'), JSON.stringify({ name: 'nanoforge-code-server-cache', private: true }));
  npm(base, ['install', '--ignore-scripts', '--no-audit', '--no-fund', `code-server@${CODE_SERVER_VERSION}`], log);
  prepareVsCode(path.join(root, 'lib', 'vscode'), log);
  // argon2 hashes passwords; we run with --auth none, but code-server requires the module at start.
  // npm hoists it to the cache folder's node_modules, so rebuild it from there.
  npm(base, ['rebuild', 'argon2'], log);
  verifyStarts(install);
  writeFileSync(marker, expected);
  log(`[harness] code-server ready in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return install;
}

/** The steps of code-server's postinstall.sh that we need, without its root/--unsafe-perm checks. */
function prepareVsCode(vscodeDir: string, log: (line: string) => void): void {
  npm(vscodeDir, ['install', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], log);
  npm(vscodeDir, ['rebuild', ...VSCODE_NATIVE_MODULES], log);
  // @vscode/ripgrep's install script downloads a binary from GitHub; Debian's rg does the same job.
  const rgDir = path.join(vscodeDir, 'node_modules', '@vscode', 'ripgrep', 'bin');
  mkdirSync(rgDir, { recursive: true });
  copyFileSync(whichOrThrow('rg'), path.join(rgDir, 'rg'));
  chmodSync(path.join(rgDir, 'rg'), 0o755);
  const asar = path.join(vscodeDir, 'node_modules.asar');
  if (existsSync(asar) || isSymlink(asar)) rmSync(asar, { recursive: true, force: true });
  symlinkSync('node_modules', asar);
  // The built-in TypeScript/JavaScript features look for tsserver here; without it they show an
  // error notification that would cover the workbench in UI tests.
  npm(path.join(vscodeDir, 'extensions'), ['install', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], log);
}

function npm(cwd: string, args: string[], log: (line: string) => void): void {
  log(`[harness] (${path.basename(cwd)}) npm ${args.join(' ')}`);
  const result = spawnSync('npm', args, {
    cwd,
    encoding: 'utf8',
    // npm_config_yes: node-gyp may ask to install itself through npx during rebuilds.
    env: { ...process.env, npm_config_yes: 'true', npm_config_update_notifier: 'false' },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) {
    const output = `${result.stdout ?? ''}\n${result.stderr ?? ''}`.trim().split('\n').slice(-40).join('\n');
    throw new Error(`npm ${args.join(' ')} failed in ${cwd} (exit ${String(result.status)}):\n${output}`);
  }
}

function checkSystemTools(): void {
  const missing = ['rg', 'make', 'g++', 'python3'].filter((tool) => !which(tool));
  if (!existsSync('/usr/include/gssapi/gssapi.h')) missing.push('libkrb5-dev (gssapi headers)');
  if (missing.length > 0) {
    throw new Error(
      `code-server's native modules need: ${missing.join(', ')}. ` +
        'Install them with: apt-get update && apt-get install -y ripgrep libkrb5-dev build-essential python3',
    );
  }
}

/** Loads every rebuilt native module under this Node and asks the server for its version. */
function verifyStarts(install: CodeServerInstall): void {
  const vscodeModules = path.join(install.root, 'lib', 'vscode', 'node_modules');
  const requires = [...VSCODE_NATIVE_MODULES.map((m) => path.join(vscodeModules, m)), require.resolve('argon2', { paths: [install.root] })];
  const script = `for (const m of ${JSON.stringify(requires)}) require(m);`;
  const loaded = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60_000 });
  if (loaded.status !== 0) throw new Error(`code-server's native modules do not load under Node ${process.versions.node}:\n${loaded.stderr}`);
  const out = execFileSync(process.execPath, [install.entry, '--version'], { encoding: 'utf8', timeout: 60_000 });
  if (!out.includes(CODE_SERVER_VERSION)) throw new Error(`code-server --version printed: ${out}`);
}

function which(tool: string): string | undefined {
  const result = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' });
  const found = result.stdout.trim();
  return result.status === 0 && found ? found : undefined;
}

function whichOrThrow(tool: string): string {
  const found = which(tool);
  if (!found) throw new Error(`${tool} is not on PATH`);
  return found;
}

function readText(file: string): string {
  return readFileSync(file, 'utf8');
}

function isSymlink(file: string): boolean {
  try {
    return lstatSync(file).isSymbolicLink();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/** Installs a VSIX with code-server's own CLI, as a user would (`code-server --install-extension`). */
export function installVsix(install: CodeServerInstall, vsix: string, extensionsDir: string, userDataDir: string): void {
  const result = spawnSync(
    process.execPath,
    [install.entry, '--install-extension', vsix, '--force', '--extensions-dir', extensionsDir, '--user-data-dir', userDataDir],
    { encoding: 'utf8', timeout: 120_000 },
  );
  if (result.status !== 0 || !/successfully installed/i.test(result.stdout)) {
    throw new Error(`code-server --install-extension ${vsix} failed (exit ${String(result.status)}):\n${result.stdout}\n${result.stderr}`);
  }
}
