// `nanoforge icons "<prompt>" --model DIR --out-dir public/` — one icon generation, then the whole web
// icon set (favicon.ico, PNGs, apple-touch-icon, site.webmanifest) and the <link> snippet to paste.
import { randomInt } from 'node:crypto';
import sharp from 'sharp';
import {
  DEVICE_NAMES, existingIconSetFiles, generateAsset, IconSetExistsError, loadPipeline, validateGenerationRequest, writeIconSet,
  type RgbImage,
} from '../../inference';
import { choiceOption, CliUsageError, flag, parseCommandLine, requiredString, requireBelowCwd, stringOption, type OptionKinds } from '../args';
import type { CliCommand } from '../command';
import { readRequestOptions, requestOptionKinds, requestUsage } from '../request-options';

/** The request fields `icons` takes from the command line; the rest is fixed for an icon set. */
const REQUEST_OPTIONS = ['seed', 'steps'] as const;

const OPTIONS: OptionKinds = {
  model: 'string', 'out-dir': 'string', device: 'string', name: 'string', 'href-base': 'string', opaque: 'boolean', force: 'boolean',
  ...requestOptionKinds(REQUEST_OPTIONS),
};

async function decodeRgb(bytes: Uint8Array): Promise<RgbImage> {
  const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

async function run(args: string[]): Promise<number> {
  const parsed = parseCommandLine(args, OPTIONS);
  const prompt = parsed.positionals.join(' ').trim();
  if (!prompt) throw new CliUsageError('a prompt is required, e.g. nanoforge icons "a paper plane" --model DIR --out-dir public/');
  const modelDir = requiredString(parsed, 'model');
  const outDir = requiredString(parsed, 'out-dir');
  requireBelowCwd(outDir, '--out-dir');
  const force = flag(parsed, 'force');
  // A set is written whole or not at all; refuse before the (slow) model load and generation.
  const existing = force ? [] : await existingIconSetFiles(process.cwd(), outDir);
  if (existing.length > 0) throw new IconSetExistsError(existing);
  const given = readRequestOptions(parsed, REQUEST_OPTIONS);
  const seed = given.seed ?? randomInt(0, 2 ** 32);
  const pipeline = await loadPipeline(modelDir, { device: choiceOption(parsed, 'device', DEVICE_NAMES) ?? 'auto' });
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
      appName: stringOption(parsed, 'name') ?? prompt.slice(0, 40),
      hrefBase: stringOption(parsed, 'href-base') ?? '/',
      ...(candidate.metadata ? { metadata: candidate.metadata } : {}),
    });
    for (const warning of [...result.warnings, ...set.warnings]) process.stderr.write(`warning: ${warning}\n`);
    for (const file of set.files) process.stdout.write(`wrote ${file}\n`);
    process.stdout.write(`\nPaste into <head>:\n${set.html}\n`);
    return 0;
  } finally {
    await pipeline.dispose();
  }
}

export const iconsCommand: CliCommand = {
  name: 'icons',
  usage: `icons "PROMPT" --model DIR --out-dir DIR ${requestUsage(REQUEST_OPTIONS)} [--device ${DEVICE_NAMES.join('|')}] [--name APP] [--href-base /] [--opaque] [--force]`,
  run,
};
