// `nanoforge models list | pull <id|owner/repo[@rev]> [--repair] | add <folder> [--id ID] | prepare <id|folder> |
// verify <id> | rm <id> | default [<id>]` over the model store in src/inference/models; pull and add end
// by preparing the model (src/cli/prepare-step.ts). `--store DIR` (default
// $NANOFORGE_MODELS or ~/.cache/nanoforge/models), `--endpoint URL` (default HF_ENDPOINT or huggingface.co),
// `--json`. A token for gated repositories comes from HF_TOKEN (never from the command line, where shells log it).
import { parseArgs } from 'node:util';
import { findCatalogEntry, loadCatalog, resolvePullSource } from '../../inference/models/catalog';
import { readDefaultModel, writeDefaultModel } from '../../inference/models/default-model';
import { formatBytes, formatDuration } from '../../inference/models/disk';
import type { PullProgress } from '../../inference/models/download';
import { HubAuthError, HubUnreachableError, type HubOptions } from '../../inference/models/hub';
import { resolveModelRef, shellWord } from '../../inference/models/resolve';
import { validDevices } from '../../inference/backend/providers';
import type { DeviceName } from '../../inference/tables';
import type { ModelStore } from '../../inference/models/store';
import { validateModelFolder } from '../../inference/models/folder';
import { tinyDecoderOffer } from '../../inference/models/tiny-decoder';
import { AbortError } from '../../inference/errors';
import { escapeTerminal, jsonForTerminal } from '../../inference/safety/text';
import { choiceOption, CliUsageError, flag, parseCommandLine, stringOption, type ParsedArgs } from '../args';
import { INTERRUPT_EXIT_CODE } from '../interrupt';
import { prepareAfterInstall, preparedJson, runPrepareStep, type PrepareStep } from '../prepare-step';
import type { CliCommand } from '../command';
import { renderHelp } from '../help';
import { storeArgs, storeFromArgs } from '../model-arg';
import { createProgressBar } from '../progress';
import { tinyDecoderTip } from '../tiny-decoder-tip';
import { MODELS_HELP, MODELS_OPTIONS, SUBCOMMAND_HELP, type Subcommand } from './models-help';

const SUBCOMMANDS = Object.keys(SUBCOMMAND_HELP) as Subcommand[];

/** Model ids, repos and paths come from manifests, registries and hubs: escaped for the terminal, line by line. */
function out(parsed: ParsedArgs, value: unknown, text: string): void {
  process.stdout.write(flag(parsed, 'json') ? `${jsonForTerminal(value)}\n` : `${text.split('\n').map(escapeTerminal).join('\n')}\n`);
}

function hubOptions(parsed: ParsedArgs): HubOptions {
  return { endpoint: stringOption(parsed, 'endpoint'), token: process.env.HF_TOKEN || process.env.HUGGING_FACE_HUB_TOKEN || undefined };
}

/** `nanoforge` plus `words`, plus `--store DIR` when the user named a store (so the command reaches it). */
function command(parsed: ParsedArgs, words: string): string {
  const store = storeArgs(parsed);
  return `nanoforge ${words}${store ? ` ${store}` : ''}`;
}

function progressNote(p: PullProgress): string {
  const eta = p.etaSeconds === undefined ? '' : ` ETA ${formatDuration(p.etaSeconds)}`;
  return `${formatBytes(p.doneBytes)}/${formatBytes(p.totalBytes)} ${formatBytes(p.bytesPerSecond)}/s${eta} ${p.file} (${p.fileIndex + 1}/${p.fileCount})`;
}

async function list(store: ModelStore, parsed: ParsedArgs): Promise<number> {
  const models = await store.list();
  const defaultId = await readDefaultModel(store.root);
  const mark = (id: string): string => (id === defaultId ? `${id} (default)` : id);
  const lines = models.map((m) => `${mark(m.id).padEnd(32)} ${m.origin.padEnd(10)} ${formatBytes(m.sizeBytes).padStart(9)}  ${m.present ? (m.repo ?? m.dir) : `${m.dir} (missing)`}`);
  const catalog = loadCatalog().models.filter((c) => !models.some((m) => m.id === c.id));
  const available = catalog.map((c) => `${c.id.padEnd(32)} ${'catalog'.padEnd(10)} ~${formatBytes(c.approxDownloadBytes).padStart(8)}  ${c.name} [${c.license.id}]`);
  const text = [`models in ${store.root}:`, ...(lines.length ? lines : ['  (none)']), '', 'available to pull:', ...available].join('\n');
  const catalogJson = catalog.map((c) => ({ id: c.id, name: c.name, repo: c.repo, approxDownloadBytes: c.approxDownloadBytes, license: c.license.id }));
  out(parsed, { store: store.root, default: defaultId ?? null, models, catalog: catalogJson }, text);
  return 0;
}

/** The preparation of an installed model, as pull/add/prepare run it. */
function prepareStep(store: ModelStore, parsed: ParsedArgs, dir: string, ref: string, command: string, device: DeviceName = 'auto'): PrepareStep {
  const extra = storeArgs(parsed);
  return { dir, ref, storeDir: store.root, device, command, verbose: !flag(parsed, 'json'), ...(extra ? { storeArgs: extra } : {}) };
}

/** After pull/add: prepare unless --no-prepare; the JSON fields to add, or the exit code of a Ctrl-C. */
async function prepareInstalled(step: PrepareStep, parsed: ParsedArgs): Promise<Record<string, unknown> | number> {
  if (flag(parsed, 'no-prepare')) return { prepared: null };
  const outcome = await prepareAfterInstall(step);
  if (outcome.interrupted) return INTERRUPT_EXIT_CODE;
  return outcome.prepared ? { prepared: preparedJson(outcome.prepared) } : { prepared: null, prepareError: outcome.prepareError };
}

async function pull(store: ModelStore, parsed: ParsedArgs, spec: string): Promise<number> {
  // --repair takes what `list` shows (an installed id) as well as a catalog id or owner/repo.
  const installed = flag(parsed, 'repair') && !spec.includes('/') && (await store.list()).some((m) => m.id === spec);
  const source = installed ? { id: spec, repo: spec, revision: '', kind: 'pipeline' as const } : resolvePullSource(spec);
  const license = source.entry?.license;
  if (license && license.commercialUse !== true && !flag(parsed, 'json')) {
    process.stderr.write(`Licence of ${source.id}: ${license.name}. ${license.summary} ${license.url}\n`);
  }
  const bar = createProgressBar(`pull ${source.id}`, process.stderr, process.stderr.isTTY === true && !flag(parsed, 'json'));
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  const common = {
    hub: hubOptions(parsed),
    signal: controller.signal,
    log: (line: string) => { if (process.env.NANOFORGE_DEBUG) process.stderr.write(`${line}\n`); },
    onProgress: (p: PullProgress) => bar.update(Math.round(p.doneBytes / 1e6), Math.round(p.totalBytes / 1e6), `MB ${progressNote(p)}`),
  };
  let result: Awaited<ReturnType<ModelStore['pull']>>;
  try {
    result = flag(parsed, 'repair') ? await store.repair(source.id, common) : await store.pull(source, common);
    bar.finish();
  } catch (error) {
    bar.finish();
    if (error instanceof AbortError) {
      process.stderr.write(`nanoforge models pull: cancelled; run the same command again to resume.\n`);
      return 130;
    }
    if (error instanceof HubAuthError) throw new Error(`${error.message}. Set HF_TOKEN to a token from https://huggingface.co/settings/tokens and run again.`);
    if (error instanceof HubUnreachableError) throw new Error(`${error.message}. Without a model, placeholders still work: nanoforge placeholder 800x600 --out hero.png`);
    throw error;
  } finally {
    process.off('SIGINT', onSigint);
  }
  const what = result.status === 'already-installed' ? 'already installed' : result.status === 'repaired' ? `repaired ${result.fetched.length} file(s)${result.fetched.length ? `: ${result.fetched.join(', ')}` : ''}` : `downloaded ${formatBytes(result.totalBytes)}`;
  const summary = `${result.id}: ${what} (${result.repo}@${result.commit.slice(0, 12)}) in ${result.dir}`;
  // A preview decoder is used by the models it belongs to, never generated with directly.
  const pipeline = source.kind === 'pipeline';
  const next = pipeline ? `\nGenerate with it: ${command(parsed, `generate "a red fox, flat icon" --model ${shellWord(result.id)} --out fox.png`)}` : '';
  const offer = pipeline ? await tinyDecoderOffer(await validateModelFolder(result.dir), store.root) : undefined;
  // New or changed files (an already-installed model was prepared when it was installed).
  const prepared = pipeline && result.status !== 'already-installed' ? await prepareInstalled(prepareStep(store, parsed, result.dir, result.id, 'models pull'), parsed) : {};
  if (typeof prepared === 'number') return prepared;
  out(parsed, { ...result, ...(offer ? { tinyDecoderOffer: offer } : {}), ...prepared }, `${summary}${next}${offer ? `\n${tinyDecoderTip(offer, storeArgs(parsed))}` : ''}`);
  return 0;
}

async function verify(store: ModelStore, parsed: ParsedArgs, id: string): Promise<number> {
  const report = await store.verify(id);
  const lines = report.problems.map((p) => `  ${p.path}: ${p.problem} (${p.actualSize ?? 0} of ${p.expectedSize} bytes)`);
  const summary = !report.hasManifest
    ? `${id}: a local folder with no manifest; its layout is valid (nothing to hash against)`
    : report.ok ? `${id}: all ${report.checked} files match their SHA-256` : `${id}: ${report.problems.length} of ${report.checked} files are damaged:\n${lines.join('\n')}\nRun: ${command(parsed, `models pull ${shellWord(id)} --repair`)}`;
  out(parsed, report, summary);
  return report.ok ? 0 : 1;
}

async function add(store: ModelStore, parsed: ParsedArgs, folder: string): Promise<number> {
  const added = await store.add(folder, stringOption(parsed, 'id'));
  const prepared = added.kind === 'pipeline' ? await prepareInstalled(prepareStep(store, parsed, added.dir, added.id, 'models add'), parsed) : {};
  if (typeof prepared === 'number') return prepared;
  out(parsed, { ...added, ...prepared }, `added ${added.id} → ${added.dir} (${formatBytes(added.sizeBytes)}); generate with it: ${command(parsed, `generate "a red fox" --model ${shellWord(added.id)} --out fox.png`)}`);
  return 0;
}

/** `models prepare ID|DIR`: an installed model or any model folder; its failure is the command's. */
async function prepare(store: ModelStore, parsed: ParsedArgs, ref: string): Promise<number> {
  const model = await resolveModelRef(store, ref, { storeArgs: storeArgs(parsed) });
  const device = choiceOption(parsed, 'device', validDevices()) ?? 'auto';
  const step = prepareStep(store, parsed, model.dir, model.source === 'folder' ? model.dir : model.id, 'models prepare', device);
  let prepared;
  try {
    prepared = await runPrepareStep(step);
  } catch (error) {
    if (error instanceof AbortError) return INTERRUPT_EXIT_CODE;
    throw error;
  }
  if (flag(parsed, 'json')) out(parsed, { model: model.id, dir: model.dir, ...preparedJson(prepared) }, '');
  return 0;
}

async function remove(store: ModelStore, parsed: ParsedArgs, id: string): Promise<number> {
  const removed = await store.remove(id);
  const wasDefault = (await readDefaultModel(store.root)) === id;
  if (wasDefault) await writeDefaultModel(store.root, undefined);
  const entry = findCatalogEntry(id);
  const text = removed.deleted ? `deleted ${removed.dir}${entry ? ` (pull ${id} to get it back)` : ''}` : `unregistered ${id}; the folder ${removed.dir} was left as it is`;
  out(parsed, { ...removed, defaultCleared: wasDefault }, `${text}${wasDefault ? '; it was the default model, so there is none now' : ''}`);
  return 0;
}

/** `models default` shows the default model; `models default ID` makes an installed model the default. */
async function setDefault(store: ModelStore, parsed: ParsedArgs, id: string | undefined): Promise<number> {
  const models = (await store.list()).filter((m) => m.kind === 'pipeline');
  if (id === undefined) {
    const current = await readDefaultModel(store.root);
    const dir = models.find((m) => m.id === current)?.dir;
    const text = current === undefined ? `no default model in ${store.root}; choose one with ${command(parsed, 'models default ID')}` : `${current}${dir ? ` (${dir})` : ' (no longer installed)'}`;
    out(parsed, { store: store.root, default: current ?? null, dir: dir ?? null }, text);
    return 0;
  }
  const chosen = models.find((m) => m.id === id);
  if (!chosen) {
    const entry = findCatalogEntry(id);
    const hint = entry ? `download it first: ${command(parsed, `models pull ${shellWord(id)}`)}` : `installed: ${models.map((m) => m.id).join(', ') || 'none'}`;
    throw new CliUsageError(`${id} is not installed in ${store.root}; ${hint}`);
  }
  await writeDefaultModel(store.root, id);
  out(parsed, { store: store.root, default: id, dir: chosen.dir }, `default model: ${id} (${chosen.dir}); generate now uses it without --model`);
  return 0;
}

/**
 * The sub-command is the first positional; options may come before it (`--store DIR list`). Unknown
 * options are left to the sub-command's own parser, whose error lists the options it takes.
 */
function subcommandOf(args: string[]): string | undefined {
  const options = Object.fromEntries(Object.entries(MODELS_OPTIONS.all).map(([name, type]) => [name, { type }]));
  return parseArgs({ args, options, strict: false, allowPositionals: true }).positionals[0];
}

async function run(args: string[]): Promise<number> {
  const sub = subcommandOf(args);
  if (!sub || !(SUBCOMMANDS as string[]).includes(sub)) throw new CliUsageError(`give a sub-command: ${SUBCOMMANDS.join(', ')} (e.g. nanoforge models pull sd-turbo-fp32; nanoforge models --help)`);
  const parsed = parseCommandLine(args, MODELS_OPTIONS[sub as Subcommand]);
  const [, target, ...extra] = parsed.positionals;
  if (extra.length > 0) throw new CliUsageError(`unexpected argument '${extra[0]}'`);
  const store = storeFromArgs(parsed);
  if (sub === 'list') return list(store, parsed);
  if (sub === 'default') return setDefault(store, parsed, target);
  if (!target) throw new CliUsageError(`models ${sub} needs ${sub === 'add' ? 'a folder' : sub === 'pull' ? 'a catalog id or owner/repo[@revision]' : 'a model id'} (nanoforge models ${sub} --help)`);
  switch (sub) {
    case 'pull':
      return pull(store, parsed, target);
    case 'add':
      return add(store, parsed, target);
    case 'prepare':
      return prepare(store, parsed, target);
    case 'verify':
      return verify(store, parsed, target);
    default:
      return remove(store, parsed, target);
  }
}

/** `models --help`: every sub-command; `models pull --help`: that one's options and examples. */
function help(args: string[]): string {
  const sub = args.find((a) => !a.startsWith('-'));
  const docs = sub && (SUBCOMMANDS as string[]).includes(sub) ? SUBCOMMAND_HELP[sub as Subcommand] : undefined;
  return docs ? renderHelp(docs) : MODELS_HELP;
}

export const modelsCommand: CliCommand = {
  name: 'models',
  usage: 'models list|pull ID|add DIR|prepare ID|verify ID|rm ID|default [ID] [--store DIR] [--json] ...',
  help,
  run,
};
