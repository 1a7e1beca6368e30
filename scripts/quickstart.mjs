#!/usr/bin/env node
// The README's Quick start, as a newcomer runs it: clone this repository into an empty temporary
// folder (so nothing the clone does not contain can be found beside it), then run the commands of
// README.md's "Quick start" block verbatim, read from README.md so the two cannot drift.
//   node scripts/quickstart.mjs [--keep]      clone, run, check the image, delete the clone
// The clone is of the committed HEAD: uncommitted changes are not in it. Plain Node, no dependencies:
// .ci/run calls it before anything is installed. test/inference/quickstart.test.ts runs it under `npm test`.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The command lines of the first ```sh block under "## Quick start" (comments and blank lines dropped). */
export function quickStartCommands(readme) {
  const section = /^## Quick start\s*$([\s\S]*?)(?=^## )/m.exec(readme);
  if (!section) throw new Error('README.md has no "## Quick start" section');
  const block = /^```(?:sh|bash|shell)\s*$([\s\S]*?)^```\s*$/m.exec(section[1]);
  if (!block) throw new Error('the Quick start section of README.md has no ```sh block');
  const commands = block[1].split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  if (commands.length === 0) throw new Error('the Quick start block of README.md is empty');
  return commands;
}

/** The image the Quick start writes, relative to the clone: the `--out` of its generate command. */
export function quickStartImage(commands) {
  const generate = commands.find((c) => / generate /.test(c));
  const out = generate && / --out (\S+)/.exec(generate);
  if (!out) throw new Error('the Quick start has no generate command with --out');
  return out[1];
}

/**
 * Clones `repo` into `<fresh temp folder>/nanoforge` and runs the Quick start there (bash, stop at
 * the first failure), streaming its output to `log`. Resolves with the clone and the image path;
 * the caller deletes `parent`. `env` is added to the commands' environment.
 */
export async function runQuickStart({ repo = REPO_ROOT, env = {}, log = (text) => process.stdout.write(text) } = {}) {
  const commands = quickStartCommands(readFileSync(path.join(repo, 'README.md'), 'utf8'));
  const parent = mkdtempSync(path.join(os.tmpdir(), 'nanoforge-quickstart-'));
  const clone = path.join(parent, 'nanoforge');
  const timings = [];
  try {
    let started = performance.now();
    const cloned = spawnSync('git', ['clone', '--quiet', repo, clone], { encoding: 'utf8' });
    if (cloned.status !== 0) throw new Error(`git clone ${repo} failed: ${cloned.stderr.trim()}`);
    timings.push({ command: `git clone ${repo}`, seconds: (performance.now() - started) / 1000 });
    for (const command of commands) {
      log(`\n$ ${command}\n`);
      started = performance.now();
      const code = await shell(command, clone, env, log);
      timings.push({ command, seconds: (performance.now() - started) / 1000 });
      if (code !== 0) throw new Error(`the Quick start command failed (exit ${code}) in ${clone}: ${command}`);
    }
    return { parent, clone, image: path.join(clone, quickStartImage(commands)), commands, timings };
  } catch (error) {
    rmSync(parent, { recursive: true, force: true });
    throw error;
  }
}

/**
 * The environment of a newcomer's shell: without what `npm test` / npm scripts set for this checkout
 * (npm_* config, e.g. npm_config_local_prefix, would point npm at it) or test settings (NANOFORGE_*).
 */
function newcomerEnv(extra) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(npm_|NANOFORGE_)|^(NODE_PATH|INIT_CWD)$/i.test(key)));
  return { ...clean, ...extra };
}

function shell(command, cwd, env, log) {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-euo', 'pipefail', '-c', command], { cwd, env: newcomerEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d) => log(d.toString()));
    child.stderr.on('data', (d) => log(d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

/** Checks the icon with the clone's own sharp: 512×512, a green disc, a transparent corner. */
async function checkImage(clone, image) {
  const sharp = createRequire(path.join(clone, 'package.json'))('sharp');
  const { data, info } = await sharp(image).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const at = (x, y) => Array.from(data.subarray((y * info.width + x) * 4, (y * info.width + x) * 4 + 4));
  const centre = at(info.width >> 1, info.height >> 1);
  const corner = at(0, 0);
  const ok = info.width === 512 && info.height === 512 && centre.join() === '0,128,0,255' && corner[3] === 0;
  return { ok, detail: `${info.width}×${info.height}, centre RGBA ${centre.join(',')}, corner alpha ${corner[3]}` };
}

async function main() {
  const keep = process.argv.includes('--keep');
  const run = await runQuickStart();
  try {
    if (!existsSync(run.image)) throw new Error(`the Quick start wrote no ${run.image}`);
    const check = await checkImage(run.clone, run.image);
    console.log(`\n[quickstart] ${run.image}: ${check.detail}`);
    for (const t of run.timings) console.log(`[quickstart] ${t.seconds.toFixed(1).padStart(6)} s  ${t.command}`);
    if (!check.ok) throw new Error('the Quick start image is not a 512×512 green disc on transparency');
    console.log('[quickstart] ok');
  } finally {
    if (keep) console.log(`[quickstart] kept ${run.clone}`);
    else rmSync(run.parent, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    console.error(`[quickstart] ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
