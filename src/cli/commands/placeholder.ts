// `nanoforge placeholder 300x200 --out p.png [--label TEXT] [--bg #hex]` — a model-free placeholder,
// or with `--layout "header; sidebar | grid 3x2; footer"` a wireframe of neutral blocks; written
// inside the current folder without overwriting (unless --force).
import { DEFAULT_QUALITY } from '../../inference/image/encode';
import { formatFromPath, WRITABLE_EXTENSIONS, MAX_PIXELS, MAX_SIDE, parseSize } from '../../inference/image/limits';
import { makePlaceholder, MAX_LABEL_LENGTH } from '../../inference/image/placeholder';
import { MAX_GRID_SIDE, MAX_LAYOUT_LENGTH, MAX_LAYOUT_REGIONS, WIREFRAME_REGIONS } from '../../inference/image/wireframe';
import { makeWireframe } from '../../inference/image/wireframe-draw';
import { writeFileSafely } from '../../inference/image/safe-write';
import { CliUsageError, flag, MAX_SEED, numberOption, parseCommandLine, requiredString, requireBelowCwd, seedOption, stringOption } from '../args';
import type { EncodedAsset } from '../../inference/types';
import type { CliCommand } from '../command';
import { optionKinds, renderHelp, type CommandHelp, type OptionDocs } from '../help';

export const PLACEHOLDER_OPTIONS = {
  out: { type: 'string', value: 'FILE', help: `Where to write it, below the current folder; the extension picks the format: ${WRITABLE_EXTENSIONS.join(' ')}. An existing file is kept: the new one is written as name-1.ext beside it unless --force.`, required: true },
  label: { type: 'string', value: 'TEXT', help: `Text in the middle, up to ${MAX_LABEL_LENGTH} characters; "" for none.`, default: 'the size, e.g. 300×200' },
  bg: { type: 'string', value: '#HEX', help: 'Background colour, #rgb or #rrggbb.', default: 'a soft colour picked from --seed and --prompt, or light grey without them' },
  'text-color': { type: 'string', value: '#HEX', help: 'Label colour, #rgb or #rrggbb.', default: 'black or white, whichever contrasts more with the background' },
  seed: { type: 'string', value: 'S', help: `Picks the background colour when --bg is absent, 0-${MAX_SEED}; the same seed gives the same colour.`, default: 'none' },
  prompt: { type: 'string', value: 'TEXT', help: 'Also picks the background colour when --bg is absent (no model is used), and is stored in the file.', default: 'none' },
  quality: { type: 'string', value: 'Q', help: 'Quality of lossy formats, 1-100.', default: `webp ${DEFAULT_QUALITY.webp}, avif ${DEFAULT_QUALITY.avif}, jpeg ${DEFAULT_QUALITY.jpeg}` },
  layout: { type: 'string', value: 'LAYOUT', help: `Draw a wireframe instead: rows separated by ';', regions in a row by '|', regions ${WIREFRAME_REGIONS.join(', ')} (cards and grid take COLSxROWS, 1-${MAX_GRID_SIDE} each; grid alone is 3x2, cards 3x1). At most ${MAX_LAYOUT_LENGTH} characters and ${MAX_LAYOUT_REGIONS} regions. Not combined with --label, --bg, --text-color or --seed.`, default: 'none (a flat placeholder)' },
  force: { type: 'boolean', help: 'Overwrite an existing file instead of writing name-1.ext.' },
} satisfies OptionDocs;

/** Options that only shape the flat placeholder; a wireframe has no label and fixed block colours. */
const FLAT_ONLY = ['label', 'bg', 'text-color', 'seed'] as const;

const HELP: CommandHelp = {
  usage: 'placeholder WxH --out FILE [options]',
  summary: `Draws a placeholder image without any model: a flat colour with a centred label, or with --layout a wireframe of neutral blocks. WxH is WIDTHxHEIGHT or one number for a square; each side 1-${MAX_SIDE}, at most ${MAX_PIXELS / 1e6} megapixels. The same options always give the same bytes.`,
  details: [
    'Wireframe proportions: a row is as tall as its tallest kind of region (header and footer are thin, a sidebar or a grid of cards is tall); in a row, sidebar, nav and button take one share of the width and other regions three. Margins and gaps are 1/80 of the shorter side.',
  ],
  options: PLACEHOLDER_OPTIONS,
  examples: [
    'nanoforge placeholder 300x200 --out p.png --label "Hero" --bg "#334455"',
    'nanoforge placeholder 512 --out img/avatar.webp --seed 3 --label ""',
    'nanoforge placeholder 1280x800 --out mockups/dashboard.png --layout "header; sidebar | grid 3x2; footer"',
  ],
};

async function run(args: string[]): Promise<number> {
  const parsed = parseCommandLine(args, optionKinds(PLACEHOLDER_OPTIONS));
  const [sizeText, ...extra] = parsed.positionals;
  if (!sizeText || extra.length > 0) throw new CliUsageError('give one size, e.g. nanoforge placeholder 300x200 --out p.png');
  const { width, height } = parseSize(sizeText);
  const out = requiredString(parsed, 'out');
  requireBelowCwd(out, '--out');
  const layout = stringOption(parsed, 'layout');
  const quality = numberOption(parsed, 'quality', { min: 1, max: 100, integer: true });
  if (layout !== undefined) {
    const clash = FLAT_ONLY.find((name) => parsed.values[name] !== undefined);
    if (clash) throw new CliUsageError(`--${clash} does not apply to a wireframe (--layout draws blocks in fixed neutral colours, without text); leave one of them out.`);
    const asset = await makeWireframe({ width, height, layout, format: formatFromPath(out), prompt: stringOption(parsed, 'prompt'), quality });
    return report(await writeFileSafely(process.cwd(), out, asset.bytes, { force: flag(parsed, 'force') }), asset);
  }
  const seed = seedOption(parsed, 'leave --seed out for the default colour');
  const options = {
    width,
    height,
    format: formatFromPath(out),
    label: stringOption(parsed, 'label'),
    background: stringOption(parsed, 'bg'),
    textColor: stringOption(parsed, 'text-color'),
    prompt: stringOption(parsed, 'prompt'),
    seed,
    quality,
  };
  const asset = await makePlaceholder(Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as typeof options);
  return report(await writeFileSafely(process.cwd(), out, asset.bytes, { force: flag(parsed, 'force') }), asset);
}

function report(written: string, asset: EncodedAsset): number {
  for (const warning of asset.warnings) process.stderr.write(`warning: ${warning}\n`);
  process.stdout.write(`${written} (${asset.format}, ${asset.width}×${asset.height}, ${asset.bytes.length} bytes)\n`);
  return 0;
}

export const placeholderCommand: CliCommand = {
  name: 'placeholder',
  usage: 'placeholder WxH --out FILE [--label TEXT] [--bg #HEX] [--layout LAYOUT] ...   (no model needed)',
  help: () => renderHelp(HELP),
  run,
};
