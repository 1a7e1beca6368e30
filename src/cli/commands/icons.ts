// `nanoforge icons "<prompt>" --out-dir public/ [--model ID|DIR]` — one icon generation, then the whole
// web icon set (favicon.ico, PNGs, apple-touch-icon, site.webmanifest) and the <link> snippet to paste.
import { randomInt } from 'node:crypto';
import sharp from 'sharp';
import {
  existingIconSetFiles, generateAsset, ICON_SET_FILE_NAMES, IconSetExistsError, loadPipeline, REQUEST_LIMITS, SHORT_NAME_MAX, validateGenerationRequest, validDevices,
  writeIconSet, type RgbImage,
} from '../../inference';
import { choiceOption, CliUsageError, flag, MAX_SEED, parseCommandLine, requiredString, requireBelowCwd, stringOption } from '../args';
import type { CliCommand } from '../command';
import { deviceLines } from '../device-report';
import { optionKinds, renderHelp, type CommandHelp, type OptionDocs } from '../help';
import { modelFromArgs } from '../model-arg';
import { readRequestOptions, requestOptionDocs } from '../request-options';
import { GENERATE_OPTIONS } from './generate';

/** The request fields `icons` takes from the command line; the rest is fixed for an icon set. */
const REQUEST_OPTIONS = ['seed', 'steps'] as const;

/** An app name taken from the prompt is cut at a word boundary near this length. */
const NAME_FROM_PROMPT_MAX = 40;

export const ICONS_OPTIONS: OptionDocs = {
  model: GENERATE_OPTIONS.model,
  'out-dir': { type: 'string', value: 'DIR', help: `Folder for the set (${ICON_SET_FILE_NAMES.join(', ')}); must lie below the current folder, and is created when missing.`, required: true },
  ...requestOptionDocs({
    seed: { help: `Seed, 0-${MAX_SEED}; the same seed and prompt give the same icon.`, default: 'a random seed (stored in the PNGs)' },
    steps: { help: `Denoising steps, 1-${REQUEST_LIMITS.maxSteps}.`, default: "the model's usual count (see nanoforge generate --help)" },
  }),
  device: GENERATE_OPTIONS.device,
  name: { type: 'string', value: 'APP', help: `The app's name in site.webmanifest; its short_name (what a phone shows under the icon) is the name, or its first words that fit in ${SHORT_NAME_MAX} characters.`, default: `the prompt, cut to about ${NAME_FROM_PROMPT_MAX} characters` },
  'href-base': { type: 'string', value: 'URL', help: 'Where the site serves --out-dir, used in the <link> tags and the manifest (e.g. /static/icons/).', default: '/' },
  opaque: { type: 'boolean', help: 'Keep the generated background instead of cutting the subject out onto transparency.' },
  force: { type: 'boolean', help: 'Replace an existing set (a set is written whole or not at all: without --force, any file of it already in --out-dir stops the command before the model loads).' },
  store: GENERATE_OPTIONS.store,
  verbose: { type: 'boolean', help: 'Also print why each skipped GPU provider failed.' },
};

const HELP: CommandHelp = {
  usage: 'icons "<prompt>" --out-dir DIR [--model ID|DIR] [options]',
  summary: 'Generates one icon and writes the web icon set made from it: favicon.ico (16, 32, 48 px), 16 and 32 px PNGs, apple-touch-icon.png (180 px), 192 and 512 px PNGs and site.webmanifest; then prints the <link> tags to paste into <head>.',
  options: ICONS_OPTIONS,
  examples: [
    'nanoforge icons "a green circle on white" --model test/fixtures/models/oracle-fp32 --out-dir public',
    'nanoforge icons "a paper plane" --out-dir static/icons --href-base /static/icons/ --name "Paper Plane Mail" --seed 7',
  ],
};

async function decodeRgb(bytes: Uint8Array): Promise<RgbImage> {
  const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

/** The prompt as an app name: whole words up to about NAME_FROM_PROMPT_MAX characters. */
function nameFromPrompt(prompt: string): string {
  if (prompt.length <= NAME_FROM_PROMPT_MAX) return prompt;
  const cut = prompt.slice(0, NAME_FROM_PROMPT_MAX + 1);
  const space = cut.lastIndexOf(' ');
  return (space > 0 ? cut.slice(0, space) : cut.slice(0, NAME_FROM_PROMPT_MAX)).trim();
}

async function run(args: string[]): Promise<number> {
  const parsed = parseCommandLine(args, optionKinds(ICONS_OPTIONS));
  const prompt = parsed.positionals.join(' ').trim();
  if (!prompt) throw new CliUsageError('a prompt is required, e.g. nanoforge icons "a paper plane" --out-dir public/');
  const outDir = requiredString(parsed, 'out-dir');
  requireBelowCwd(outDir, '--out-dir');
  const force = flag(parsed, 'force');
  // A set is written whole or not at all; refuse before the (slow) model load and generation.
  const existing = force ? [] : await existingIconSetFiles(process.cwd(), outDir);
  if (existing.length > 0) throw new IconSetExistsError(existing);
  const given = readRequestOptions(parsed, REQUEST_OPTIONS);
  const seed = given.seed ?? randomInt(0, 2 ** 32);
  const device = choiceOption(parsed, 'device', validDevices()) ?? 'auto';
  const model = await modelFromArgs(parsed);
  const pipeline = await loadPipeline(model.dir, { device });
  try {
    // A lossless, unprocessed native-size PNG (with its metadata); the icon set does the cut-out itself.
    const native = pipeline.info.nativeSize;
    const request = validateGenerationRequest({
      ...given, prompt, kind: 'icon', seed, width: native, height: native, format: 'png', fit: 'cover', transparent: false,
    }, { where: '' });
    const result = await generateAsset(pipeline, request);
    const candidate = result.candidates[0];
    if (!candidate) throw new Error('the model returned no image');
    const set = await writeIconSet(await decodeRgb(candidate.bytes), process.cwd(), outDir, {
      force,
      transparent: !flag(parsed, 'opaque'),
      appName: stringOption(parsed, 'name') ?? nameFromPrompt(prompt),
      hrefBase: stringOption(parsed, 'href-base') ?? '/',
      ...(candidate.metadata ? { metadata: candidate.metadata } : {}),
    });
    for (const warning of [...result.warnings, ...set.warnings]) process.stderr.write(`warning: ${warning}\n`);
    for (const line of deviceLines(result.device, result.fallbacks, flag(parsed, 'verbose'), `; seed ${seed}`)) process.stderr.write(`${line}\n`);
    for (const file of set.files) process.stdout.write(`wrote ${file}\n`);
    process.stdout.write(`\nPaste into <head>:\n${set.html}\n`);
    return 0;
  } finally {
    await pipeline.dispose();
  }
}

export const iconsCommand: CliCommand = {
  name: 'icons',
  usage: 'icons "<prompt>" --out-dir DIR [--model ID|DIR] [--name APP] [--seed S] ...',
  help: () => renderHelp(HELP),
  run,
};
