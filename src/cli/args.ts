// Argument parsing shared by the CLI commands: node's util.parseArgs plus typed, range-checked
// getters whose errors name the option and say what is allowed.
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { errorMessage } from '../inference/errors';

/** A command-line mistake; main.ts prints the message on one line and exits non-zero. */
export class CliUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliUsageError';
  }
}

export type OptionKinds = Record<string, 'string' | 'boolean'>;

export interface ParsedArgs {
  positionals: string[];
  values: Record<string, string | boolean | undefined>;
}

/**
 * util.parseArgs reads `--seed -4` as an option missing its value followed by an unknown option `-4`
 * ("ambiguous"); after a value option a negative number is that option's value, so the range check
 * can say what is allowed.
 */
function joinNegativeValues(args: string[], options: OptionKinds): string[] {
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--') return [...joined, ...args.slice(i)];
    const next = args[i + 1];
    if (arg.startsWith('--') && options[arg.slice(2)] === 'string' && next !== undefined && /^-\.?\d/.test(next)) {
      joined.push(`${arg}=${next}`);
      i++;
    } else {
      joined.push(arg);
    }
  }
  return joined;
}

export function parseCommandLine(args: string[], options: OptionKinds): ParsedArgs {
  const config = Object.fromEntries(Object.entries(options).map(([name, type]) => [name, { type }]));
  try {
    const { values, positionals } = parseArgs({ args: joinNegativeValues(args, options), options: config, allowPositionals: true, strict: true });
    return { positionals, values: values as ParsedArgs['values'] };
  } catch (error) {
    // util.parseArgs messages are already plain ("Unknown option '--foo'"); add the valid options.
    // Some span several lines; the CLI promises one line.
    const message = errorMessage(error).replace(/\. To specify a positional.*$/s, '').replace(/\s*\n\s*/g, ' ');
    throw new CliUsageError(`${message.replace(/\.+$/, '')}. Options: ${Object.keys(options).map((o) => `--${o}`).join(' ')}`);
  }
}

export function stringOption(parsed: ParsedArgs, name: string): string | undefined {
  const value = parsed.values[name];
  return typeof value === 'string' ? value : undefined;
}

export function requiredString(parsed: ParsedArgs, name: string): string {
  const value = stringOption(parsed, name);
  if (value === undefined || value === '') throw new CliUsageError(`--${name} is required.`);
  return value;
}

/** A number option within [min, max] (`minExclusive`: (min, max]); `integer` rejects fractions. */
export function numberOption(parsed: ParsedArgs, name: string, range: { min: number; max: number; integer?: boolean; minExclusive?: boolean }): number | undefined {
  const text = stringOption(parsed, name);
  if (text === undefined) return undefined;
  const value = Number(text);
  const kind = range.integer ? 'an integer' : 'a number';
  const low = range.minExclusive ? value <= range.min : value < range.min;
  if (text.trim() === '' || !Number.isFinite(value) || (range.integer && !Number.isInteger(value)) || low || value > range.max) {
    const allowed = range.minExclusive ? `greater than ${range.min} and at most ${range.max}` : `from ${range.min} to ${range.max}`;
    throw new CliUsageError(`--${name} must be ${kind} ${allowed}, got '${text}'.`);
  }
  return value;
}

/** Seeds are 32-bit: what `--seed` accepts, and what a stored seed can be. */
export const MAX_SEED = 0xffffffff;

/** `--seed`: an integer 0..2^32-1 as typed (`42`, ` 42 `, `+42`, `0x2a`); anything else is refused with the range and `absent`. */
export function seedOption(parsed: ParsedArgs, absent = 'leave --seed out for a random seed'): number | undefined {
  const text = stringOption(parsed, 'seed');
  if (text === undefined) return undefined;
  const value = Number(text.trim());
  if (text.trim() === '' || !Number.isInteger(value) || value < 0 || value > MAX_SEED) {
    throw new CliUsageError(`--seed must be an integer from 0 to ${MAX_SEED}, got '${text}' (${absent}).`);
  }
  return value;
}

/** One of `choices`, or undefined when absent. */
export function choiceOption<T extends string>(parsed: ParsedArgs, name: string, choices: readonly T[]): T | undefined {
  const text = stringOption(parsed, name);
  if (text === undefined) return undefined;
  if (!(choices as readonly string[]).includes(text)) throw new CliUsageError(`--${name} must be one of ${choices.join(', ')}, got '${text}'.`);
  return text as T;
}

export function flag(parsed: ParsedArgs, name: string): boolean {
  return parsed.values[name] === true;
}

/**
 * placeholder and icons write only below the current folder (the safe writer's root). Said before any
 * work, with the way out: icons used to generate first and only then refuse `--out-dir ../public`.
 */
export function requireBelowCwd(target: string, option: string): void {
  const rel = path.relative(process.cwd(), path.resolve(target));
  if (rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) {
    throw new CliUsageError(`refusing to write ${target}: it is outside ${process.cwd()}; ${option} must lie below the current folder (cd to the project first).`);
  }
}
