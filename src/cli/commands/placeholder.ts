// `nanoforge placeholder 300x200 --out p.png [--label TEXT] [--bg #hex]` — a model-free placeholder,
// written inside the current folder without overwriting (unless --force).
import { formatFromPath, makePlaceholder, parseSize, writeFileSafely } from '../../inference';
import { CliUsageError, flag, numberOption, parseCommandLine, requiredString, requireBelowCwd, stringOption } from '../args';
import type { CliCommand } from '../command';

const OPTIONS = {
  out: 'string', label: 'string', bg: 'string', 'text-color': 'string', seed: 'string', prompt: 'string', quality: 'string', force: 'boolean',
} as const;

async function run(args: string[]): Promise<number> {
  const parsed = parseCommandLine(args, OPTIONS);
  const [sizeText, ...extra] = parsed.positionals;
  if (!sizeText || extra.length > 0) throw new CliUsageError('give one size, e.g. nanoforge placeholder 300x200 --out p.png');
  const { width, height } = parseSize(sizeText);
  const out = requiredString(parsed, 'out');
  requireBelowCwd(out, '--out');
  const seed = numberOption(parsed, 'seed', { min: 0, max: 0xffffffff, integer: true });
  const quality = numberOption(parsed, 'quality', { min: 1, max: 100, integer: true });
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
  const written = await writeFileSafely(process.cwd(), out, asset.bytes, { force: flag(parsed, 'force') });
  for (const warning of asset.warnings) process.stderr.write(`warning: ${warning}\n`);
  process.stdout.write(`${written} (${asset.format}, ${asset.width}×${asset.height}, ${asset.bytes.length} bytes)\n`);
  return 0;
}

export const placeholderCommand: CliCommand = {
  name: 'placeholder',
  usage: 'placeholder WxH --out FILE [--label TEXT] [--bg #hex] [--text-color #hex] [--seed N|--prompt TEXT] [--quality 1-100] [--force]',
  run,
};
