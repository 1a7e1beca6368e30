// `nanoforge info FILE [--json]` — format, dimensions and the generation settings stored in an asset.
import sharp from 'sharp';
import { isIco, readIco } from '../../inference/image/ico';
import { METADATA_SCAN_BYTES, readMetadata } from '../../inference/image/metadata';
import { readFileHead } from '../../inference/safety/bounded';
import { escapeTerminal, jsonForTerminal } from '../../inference/safety/text';
import type { AssetMetadata } from '../../inference/types';
import { CliUsageError, flag, parseCommandLine } from '../args';
import type { CliCommand } from '../command';
import { errorMessage } from '../../inference/errors';
import { optionKinds, renderHelp, type CommandHelp, type OptionDocs } from '../help';

export const INFO_OPTIONS = {
  json: { type: 'boolean', help: 'One JSON object per file on stdout (file, format, width, height, hasAlpha, bytes, entries for ICO, metadata).' },
} satisfies OptionDocs;

const HELP: CommandHelp = {
  usage: 'info FILE... [--json]',
  summary: 'Shows each image\'s format, size and transparency, and the generation settings Nanoforge stored inside it (prompt, negative prompt, kind, seed, steps, guidance, scheduler, model, version), so an image can be made again.',
  options: INFO_OPTIONS,
  examples: ['nanoforge info logo.png', 'nanoforge info public/favicon.ico public/*.png --json'],
};

interface FileInfo {
  file: string;
  format: string;
  width: number;
  height: number;
  hasAlpha: boolean;
  bytes: number;
  /** ICO only: the sizes inside. */
  entries?: string[];
  metadata?: AssetMetadata;
}

/** ICO entries listed by size; a crafted directory can hold 65 535 of them. */
const ICO_SIZES_SHOWN = 32;

/**
 * The first METADATA_SCAN_BYTES of the file (where every format keeps what we read) and its size:
 * a multi-gigabyte file is never loaded whole. A file that cannot be read is one plain line naming it.
 */
async function readAsset(file: string): Promise<{ bytes: Uint8Array; size: number }> {
  try {
    return await readFileHead(file, METADATA_SCAN_BYTES);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, not a file' : code === 'EACCES' ? 'permission denied' : undefined;
    throw new Error(`${file}: ${why ?? errorMessage(error)}`);
  }
}

async function describe(file: string): Promise<FileInfo> {
  const { bytes, size } = await readAsset(file);
  const metadata = readMetadata(bytes);
  const base = { file, bytes: size, ...(metadata ? { metadata } : {}) };
  if (isIco(bytes)) {
    const entries = readIco(bytes);
    const largest = entries.reduce((a, b) => (b.width > a.width ? b : a));
    const sizes = [...new Set(entries.map((e) => `${e.width}x${e.height}`))];
    const shown = sizes.length > ICO_SIZES_SHOWN ? [...sizes.slice(0, ICO_SIZES_SHOWN), `… ${entries.length} entries`] : sizes;
    return { ...base, format: 'ico', width: largest.width, height: largest.height, hasAlpha: true, entries: shown };
  }
  // sharp reads only the header from the file; the bytes above may be a prefix of it.
  const meta = await sharp(file).metadata().catch((error: Error) => {
    throw new Error(`${file} is not an image sharp can read (${error.message})`);
  });
  const format = meta.format === 'heif' && meta.compression === 'av1' ? 'avif' : String(meta.format);
  return { ...base, format, width: meta.width ?? 0, height: meta.height ?? 0, hasAlpha: meta.hasAlpha === true };
}

/**
 * One line per fact. The values come from the file (a stored prompt can hold escape sequences and
 * newlines), so each line is escaped for the terminal before the lines are joined.
 */
function printable(info: FileInfo): string {
  const lines = [
    `file:       ${info.file}`,
    `format:     ${info.format}${info.entries ? ` (${info.entries.join(', ')})` : ''}`,
    `size:       ${info.width}×${info.height}${info.hasAlpha ? ', with alpha' : ''}, ${info.bytes} bytes`,
  ];
  const m = info.metadata;
  if (!m) return [...lines, 'metadata:   none (not written by Nanoforge, or stripped)'].map(escapeTerminal).join('\n');
  const fields: [string, unknown][] = [
    ['prompt', m.prompt], ['negative', m.negativePrompt], ['kind', m.kind], ['seed', m.seed], ['steps', m.steps],
    ['guidance', m.guidanceScale], ['scheduler', m.scheduler], ['model', m.modelId], ['model version', m.modelVersion], ['generator', m.generator],
  ];
  for (const [name, value] of fields) if (value !== undefined && value !== '') lines.push(`${`${name}:`.padEnd(12)}${String(value)}`);
  return lines.map(escapeTerminal).join('\n');
}

async function run(args: string[]): Promise<number> {
  const parsed = parseCommandLine(args, optionKinds(INFO_OPTIONS));
  if (parsed.positionals.length === 0) throw new CliUsageError('give a file, e.g. nanoforge info logo.png');
  for (const file of parsed.positionals) {
    const info = await describe(file);
    process.stdout.write(flag(parsed, 'json') ? `${jsonForTerminal(info)}\n` : `${printable(info)}\n`);
  }
  return 0;
}

export const infoCommand: CliCommand = {
  name: 'info',
  usage: 'info FILE... [--json]   format, size and the stored prompt/seed/model',
  help: () => renderHelp(HELP),
  run,
};
