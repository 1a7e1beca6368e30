// `nanoforge models list | pull <id|owner/repo[@rev]> [--repair] | add <folder> [--id ID] | verify <id> | rm <id>`
// over the model store in src/inference/models. `--store DIR` (default $NANOFORGE_MODELS or
// ~/.cache/nanoforge/models), `--endpoint URL` (default HF_ENDPOINT or huggingface.co), `--json`.
// A token for gated repositories comes from HF_TOKEN (never from the command line, where shells log it).
import { findCatalogEntry, loadCatalog, resolvePullSource } from '../../inference/models/catalog';
import { formatBytes, formatDuration } from '../../inference/models/disk';
import type { PullProgress } from '../../inference/models/download';
import { HubAuthError, HubUnreachableError, type HubOptions } from '../../inference/models/hub';
import { defaultStoreDir, ModelStore } from '../../inference/models/store';
import { AbortError } from '../../inference/pipeline/errors';
import { escapeTerminal, jsonForTerminal } from '../../inference/safety/text';
import { CliUsageError, flag, parseCommandLine, stringOption, type ParsedArgs } from '../args';
import type { CliCommand } from '../command';
import { createProgressBar } from '../progress';

const OPTIONS = { json: 'boolean', store: 'string', endpoint: 'string', id: 'string', repair: 'boolean' } as const;
const SUBCOMMANDS = ['list', 'pull', 'add', 'verify', 'rm'];

/** Model ids, repos and paths come from manifests, registries and hubs: escaped for the terminal, line by line. */
function out(parsed: ParsedArgs, value: unknown, text: string): void {
  process.stdout.write(flag(parsed, 'json') ? `${jsonForTerminal(value)}\n` : `${text.split('\n').map(escapeTerminal).join('\n')}\n`);
}

function hubOptions(parsed: ParsedArgs): HubOptions {
  return { endpoint: stringOption(parsed, 'endpoint'), token: process.env.HF_TOKEN || process.env.HUGGING_FACE_HUB_TOKEN || undefined };
}

function progressNote(p: PullProgress): string {
  const eta = p.etaSeconds === undefined ? '' : ` ETA ${formatDuration(p.etaSeconds)}`;
  return `${formatBytes(p.doneBytes)}/${formatBytes(p.totalBytes)} ${formatBytes(p.bytesPerSecond)}/s${eta} ${p.file} (${p.fileIndex + 1}/${p.fileCount})`;
}

async function list(store: ModelStore, parsed: ParsedArgs): Promise<number> {
  const models = await store.list();
  const lines = models.map((m) => `${m.id.padEnd(32)} ${m.origin.padEnd(10)} ${formatBytes(m.sizeBytes).padStart(9)}  ${m.present ? (m.repo ?? m.dir) : `${m.dir} (missing)`}`);
  const catalog = loadCatalog().models.filter((c) => !models.some((m) => m.id === c.id));
  const available = catalog.map((c) => `${c.id.padEnd(32)} ${'catalog'.padEnd(10)} ~${formatBytes(c.approxDownloadBytes).padStart(8)}  ${c.name} [${c.license.id}]`);
  const text = [`models in ${store.root}:`, ...(lines.length ? lines : ['  (none)']), '', 'available to pull:', ...available].join('\n');
  out(parsed, { store: store.root, models, catalog: catalog.map((c) => ({ id: c.id, name: c.name, repo: c.repo, approxDownloadBytes: c.approxDownloadBytes, license: c.license.id })) }, text);
  return 0;
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
  try {
    const result = flag(parsed, 'repair') ? await store.repair(source.id, common) : await store.pull(source, common);
    bar.finish();
    const what = result.status === 'already-installed' ? 'already installed' : result.status === 'repaired' ? `repaired ${result.fetched.length} file(s)${result.fetched.length ? `: ${result.fetched.join(', ')}` : ''}` : `downloaded ${formatBytes(result.totalBytes)}`;
    out(parsed, result, `${result.id}: ${what} (${result.repo}@${result.commit.slice(0, 12)}) in ${result.dir}`);
    return 0;
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
}

async function verify(store: ModelStore, parsed: ParsedArgs, id: string): Promise<number> {
  const report = await store.verify(id);
  const lines = report.problems.map((p) => `  ${p.path}: ${p.problem} (${p.actualSize ?? 0} of ${p.expectedSize} bytes)`);
  const summary = !report.hasManifest
    ? `${id}: a local folder with no manifest; its layout is valid (nothing to hash against)`
    : report.ok ? `${id}: all ${report.checked} files match their SHA-256` : `${id}: ${report.problems.length} of ${report.checked} files are damaged:\n${lines.join('\n')}\nRun: nanoforge models pull ${id} --repair`;
  out(parsed, report, summary);
  return report.ok ? 0 : 1;
}

async function run(args: string[]): Promise<number> {
  const parsed = parseCommandLine(args, OPTIONS);
  const [sub, target, ...extra] = parsed.positionals;
  if (!sub || !SUBCOMMANDS.includes(sub)) throw new CliUsageError(`give a sub-command: ${SUBCOMMANDS.join(', ')} (e.g. nanoforge models pull sd-turbo-fp32)`);
  if (extra.length > 0) throw new CliUsageError(`unexpected argument '${extra[0]}'`);
  const store = new ModelStore(stringOption(parsed, 'store') ?? defaultStoreDir());
  if (sub === 'list') return list(store, parsed);
  if (!target) throw new CliUsageError(`models ${sub} needs ${sub === 'add' ? 'a folder' : sub === 'pull' ? 'a catalog id or owner/repo[@revision]' : 'a model id'}`);
  switch (sub) {
    case 'pull':
      return pull(store, parsed, target);
    case 'add': {
      const added = await store.add(target, stringOption(parsed, 'id'));
      out(parsed, added, `added ${added.id} → ${added.dir} (${formatBytes(added.sizeBytes)}); use it with --model ${added.dir}`);
      return 0;
    }
    case 'verify':
      return verify(store, parsed, target);
    default: {
      const removed = await store.remove(target);
      const entry = findCatalogEntry(target);
      out(parsed, removed, removed.deleted ? `deleted ${removed.dir}${entry ? ` (pull ${target} to get it back)` : ''}` : `unregistered ${target}; the folder ${removed.dir} was left as it is`);
      return 0;
    }
  }
}

export const modelsCommand: CliCommand = {
  name: 'models',
  usage: 'models list|pull ID|add DIR|verify ID|rm ID [--json] [--store DIR] [--endpoint URL] [--repair] [--id ID]',
  run,
};
