#!/usr/bin/env node
// `npm run package [-- --target linux-x64|win32-x64|darwin-arm64|darwin-x64|all]`
// Builds production bundles and one platform-specific VSIX per target with @vscode/vsce.
// The extension ships native code (onnxruntime-node, sharp), so a VSIX is only valid for one
// platform: each target is staged in .cache/package/<target>/ with a node_modules that holds the
// runtime packages for that platform only, and vsce (with dependencies, filtered by .vscodeignore)
// packs that folder. Prints the path and size of each VSIX.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Only these packages are loaded at run time from node_modules; esbuild bundles everything else. */
const RUNTIME_PACKAGES = ['onnxruntime-node', 'sharp'];
const TARGETS = {
  'linux-x64': { os: 'linux', cpu: 'x64', libc: 'glibc' },
  'win32-x64': { os: 'win32', cpu: 'x64' },
  'darwin-arm64': { os: 'darwin', cpu: 'arm64' },
  'darwin-x64': { os: 'darwin', cpu: 'x64' },
};
const COPIED = ['README.md', 'LICENSE', 'models/catalog.json', 'media', '.vscodeignore'];

function run(command, args, cwd) {
  const result = spawnSync(command, args, { cwd, stdio: 'inherit', env: { ...process.env, npm_config_update_notifier: 'false' } });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed in ${cwd} (exit ${result.status})`);
}

function parseTargets(argv) {
  const i = argv.indexOf('--target');
  const requested = i >= 0 ? argv[i + 1] : `${process.platform}-${process.arch}`;
  const list = requested === 'all' ? Object.keys(TARGETS) : [requested];
  for (const t of list) {
    if (!TARGETS[t]) throw new Error(`unsupported target "${t}"; choose one of ${Object.keys(TARGETS).join(', ')} or all`);
  }
  return list;
}

/** The manifest vsce sees: no scripts (no prepublish step), no dev tools, only runtime packages. */
function stagedManifest() {
  const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  delete manifest.scripts;
  delete manifest.devDependencies;
  manifest.dependencies = Object.fromEntries(RUNTIME_PACKAGES.map((name) => [name, manifest.dependencies[name]]));
  return manifest;
}

function stage(target) {
  const dir = path.join(root, '.cache', 'package', target);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const item of COPIED) {
    if (existsSync(path.join(root, item))) cpSync(path.join(root, item), path.join(dir, item), { recursive: true });
  }
  // Production bundles straight into the staging folder; the development dist/ stays as it is.
  run('node', ['esbuild.mjs', '--production', '--out-root', dir], root);
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify(stagedManifest(), null, 2));
  cpSync(path.join(root, 'package-lock.json'), path.join(dir, 'package-lock.json'));
  const { os, cpu, libc } = TARGETS[target];
  // --os/--cpu/--libc pick sharp's @img/* optional packages for the target, not this machine;
  // --ignore-scripts skips onnxruntime-node's installer, which downloads GPU providers.
  const platformFlags = [`--os=${os}`, `--cpu=${cpu}`, ...(libc ? [`--libc=${libc}`] : [])];
  run('npm', ['install', '--omit=dev', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund', ...platformFlags], dir);
  pruneOnnxRuntime(dir, os, cpu);
  writeNotices(dir);
  return dir;
}

/** onnxruntime-node publishes every platform's binaries in one package; keep the target's. */
function pruneOnnxRuntime(dir, os, cpu) {
  const napi = path.join(dir, 'node_modules', 'onnxruntime-node', 'bin', 'napi-v6');
  if (!existsSync(path.join(napi, os, cpu, 'onnxruntime_binding.node'))) {
    const available = readdirSync(napi).flatMap((o) => readdirSync(path.join(napi, o)).map((c) => `${o}-${c}`));
    throw new Error(`onnxruntime-node ${stagedManifest().dependencies['onnxruntime-node']} ships no binary for ${os}-${cpu} (it has: ${available.join(', ')})`);
  }
  for (const o of readdirSync(napi)) {
    for (const c of readdirSync(path.join(napi, o))) {
      if (o !== os || c !== cpu) rmSync(path.join(napi, o, c), { recursive: true, force: true });
    }
  }
}

/** One file naming every bundled package and its licence (some packages ship no LICENSE file). */
function writeNotices(dir) {
  const modules = path.join(dir, 'node_modules');
  const names = readdirSync(modules).flatMap((n) => (n.startsWith('@') ? readdirSync(path.join(modules, n)).map((s) => `${n}/${s}`) : [n]));
  const rows = names
    .filter((n) => existsSync(path.join(modules, n, 'package.json')))
    .map((n) => JSON.parse(readFileSync(path.join(modules, n, 'package.json'), 'utf8')))
    .map((p) => `- ${p.name}@${p.version}: ${p.license ?? 'see package'}${p.homepage ? ` (${p.homepage})` : ''}`)
    .sort();
  const text = ['# Third-party software shipped in this package', '', 'Nanoforge bundles the following npm packages with their native binaries:', '', ...rows, ''];
  writeFileSync(path.join(dir, 'THIRD_PARTY_NOTICES.md'), text.join('\n'));
}

function packTarget(target) {
  const dir = stage(target);
  const { version, name } = stagedManifest();
  const out = path.join(root, `${name}-${version}-${target}.vsix`);
  rmSync(out, { force: true });
  const vsce = path.join(root, 'node_modules', '.bin', 'vsce');
  // No public repository to resolve README links against: keep relative links as they are (vsce
  // would otherwise refuse, even for `![…](…)` inside inline code).
  run(vsce, ['package', '--target', target, '--out', out, '--allow-missing-repository', '--no-rewrite-relative-links'], dir);
  const mib = statSync(out).size / 1024 / 1024;
  console.log(`[package] ${path.relative(root, out)}: ${mib.toFixed(1)} MiB`);
  return { target, out, mib };
}

function main() {
  const targets = parseTargets(process.argv.slice(2));
  const built = [];
  const failed = [];
  for (const target of targets) {
    try {
      built.push(packTarget(target));
    } catch (error) {
      failed.push(`${target}: ${error.message}`);
      console.error(`[package] ${target} not built: ${error.message}`);
    }
  }
  for (const b of built) console.log(`[package] ${b.target.padEnd(13)} ${b.mib.toFixed(1).padStart(6)} MiB  ${path.relative(root, b.out)}`);
  if (failed.length) process.exit(1);
}

main();
