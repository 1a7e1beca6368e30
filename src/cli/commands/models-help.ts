// The options and help of `nanoforge models` and of each sub-command: one table per sub-command, which
// its parser reads too (so `models list --repair` is an error, and every option it takes is documented).
import { loadCatalog } from '../../inference/models/catalog';
import { suggestedDownloads } from '../../inference/models/resolve';
import type { OptionKinds } from '../args';
import { optionKinds, renderHelp, wrap, type CommandHelp, type OptionDoc, type OptionDocs } from '../help';

export type Subcommand = 'list' | 'pull' | 'add' | 'prepare' | 'verify' | 'rm' | 'default';

const json: OptionDoc = { type: 'boolean', help: 'Print the result as one JSON object on stdout instead of text.' };
const store: OptionDoc = { type: 'string', value: 'DIR', help: 'The models folder to work in (VS Code uses nanoforge.modelsFolder, else its own storage).', default: '$NANOFORGE_MODELS, else ~/.cache/nanoforge/models' };
const endpoint: OptionDoc = { type: 'string', value: 'URL', help: 'The Hugging Face hub, or a mirror of it, to download from.', default: '$HF_ENDPOINT, else https://huggingface.co' };
const repair: OptionDoc = { type: 'boolean', help: 'Re-download only the files of an installed model that verify finds damaged, from the commit it was installed from.' };
const noPrepare: OptionDoc = { type: 'boolean', help: 'Do not prepare the model afterwards (see models prepare); its first loads are then a little slower until it is prepared.' };
const device: OptionDoc = { type: 'string', value: 'NAME', help: 'The device generations will use (as generate --device); only the CPU\'s optimized graphs are cached, so on a GPU this only checks that the model loads.', default: 'auto' };
const id: OptionDoc = { type: 'string', value: 'ID', help: 'The name to list the folder under and to pass to --model: letters, digits, . _ @ -.', default: "the folder's name" };

const catalogIds = (): string => loadCatalog().models.map((m) => m.id).join(', ');

export const SUBCOMMAND_HELP: Readonly<Record<Subcommand, CommandHelp>> = {
  list: {
    usage: 'models list [--store DIR] [--json]',
    summary: 'Lists the installed models (id, downloaded or local folder, size on disk, source; the default one is marked) and the catalog models that can be pulled, with their download size and licence.',
    options: { store, json },
    examples: ['nanoforge models list', 'nanoforge models list --store /data/models --json'],
  },
  pull: {
    usage: 'models pull ID|OWNER/REPO[@REVISION] [--repair] [--no-prepare] [--store DIR] [--endpoint URL] [--json]',
    summary: `Downloads a model into the models folder: a catalog id (${catalogIds()}) at its pinned revision, or any hub repository holding an ONNX export in the diffusers layout. Only the folders a pipeline needs are fetched; every file's hash is checked before the model is installed. Ctrl-C keeps what was downloaded, and the same command resumes it. Gated repositories need HF_TOKEN. A downloaded pipeline is then prepared for this machine (models prepare; --no-prepare skips it). The closing line shows how to generate with the model.`,
    options: { repair, 'no-prepare': noPrepare, store, endpoint, json },
    examples: ['nanoforge models pull sd-turbo-fp16', 'nanoforge models pull onnxruntime/sd-turbo@main', 'nanoforge models pull sd-turbo-fp16 --repair'],
  },
  add: {
    usage: 'models add DIR [--id ID] [--no-prepare] [--store DIR] [--json]',
    summary: 'Lists a model folder you already have (the diffusers ONNX layout; checked first) under an id, so --model ID and models default ID find it, then prepares it for this machine (--no-prepare skips that). The folder stays where it is.',
    options: { id, 'no-prepare': noPrepare, store, json },
    examples: ['nanoforge models add ~/models/my-export --id mine', 'nanoforge generate "a red fox" --model mine --out fox.png'],
  },
  prepare: {
    usage: 'models prepare ID|DIR [--device NAME] [--store DIR] [--json]',
    summary: 'Prepares a model for this machine: opens each of its sessions once with all of onnxruntime\'s optimizations and saves the optimized graphs in the models folder (.cache/onnx-graphs), so loads open those instead. For SD-Turbo on a CPU it takes under half a minute; a load of a model that was never prepared skips the slowest optimization instead (it opens quicker; on CPUs where that layout helps, its UNet steps are slower). pull and add run it; run it again after an onnxruntime update or a change of --device. The graphs take about the model\'s size on disk.',
    options: { device, store, json },
    examples: ['nanoforge models prepare sd-turbo-fp16', 'nanoforge models prepare ./my-export --device cpu'],
  },
  verify: {
    usage: 'models verify ID [--store DIR] [--json]',
    summary: 'Re-hashes a downloaded model against its manifest and names every damaged or missing file (exit code 1 when there is one); for a local folder, checks its layout.',
    options: { store, json },
    examples: ['nanoforge models verify sd-turbo-fp16'],
  },
  rm: {
    usage: 'models rm ID [--store DIR] [--json]',
    summary: 'Deletes a downloaded model (and any unfinished download of it); a folder added with models add is only forgotten, never deleted. Removing the default model leaves no default.',
    options: { store, json },
    examples: ['nanoforge models rm sd-turbo-fp16', 'nanoforge models rm mine'],
  },
  default: {
    usage: 'models default [ID] [--store DIR] [--json]',
    summary: 'Shows the default model, or makes an installed model the default: generate and icons use it when --model is not given. It is kept in the models folder (default-model.json).',
    options: { store, json },
    examples: ['nanoforge models default sd-turbo-fp16', 'nanoforge models default'],
  },
};

const ALL_DOCS: OptionDocs = Object.assign({}, ...Object.values(SUBCOMMAND_HELP).map((h) => h.options));

/** Each sub-command's parser table, and `all` (only to find the sub-command among the arguments). */
export const MODELS_OPTIONS: Readonly<Record<Subcommand | 'all', OptionKinds>> = {
  ...(Object.fromEntries(Object.entries(SUBCOMMAND_HELP).map(([sub, h]) => [sub, optionKinds(h.options)])) as Record<Subcommand, OptionKinds>),
  all: optionKinds(ALL_DOCS),
};

/** `nanoforge models --help`: what the sub-commands are; `models <sub> --help` has the details. */
export const MODELS_HELP = renderHelp({
  usage: 'models <list|pull|add|verify|rm|default> [ARG] [options]',
  summary: 'Manages the models folder: what is installed, downloads from the Hugging Face hub, folders you already have, and the default model.',
  details: [
    ['Sub-commands:', ...Object.entries(SUBCOMMAND_HELP).map(([, h]) => `  nanoforge ${h.usage}`)].join('\n'),
    wrap(`To start: ${suggestedDownloads().map((e) => `nanoforge models pull ${e.id} (${e.devices.includes('cpu') ? 'runs on the CPU' : 'for a GPU'})`).join(', or ')}. nanoforge models <sub-command> --help describes each one.`, 100).join('\n'),
  ],
  options: ALL_DOCS,
  examples: Object.values(SUBCOMMAND_HELP).map((h) => h.examples[0] as string),
});
