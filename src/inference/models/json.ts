// Small readers for the model folder's files: every failure is a ModelFolderError naming the file.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { readTextFileBounded, TooLargeError } from '../safety/bounded';
import { describeRange, describeValue, inRange, ownValue, type NumberRange } from '../safety/ranges';
import { ModelFolderError } from './errors';
import { errorMessage } from '../errors';

/** Configs are a few KiB; tokenizer files a few MiB. Past this a "config" is an attack or a mistake. */
export const CONFIG_MAX_BYTES = 16 * 1024 * 1024;

export type JsonObject = Record<string, unknown>;

export async function requireFile(dir: string, file: string): Promise<void> {
  let stat;
  try {
    stat = await fs.stat(path.join(dir, file));
  } catch (error) {
    throw new ModelFolderError(dir, file, missingOrUnreadable(error));
  }
  if (!stat.isFile()) throw new ModelFolderError(dir, file, 'is not a file');
}

export async function requireFolder(dir: string): Promise<void> {
  const stat = await fs.stat(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw new ModelFolderError(dir, '', missingOrUnreadable(error));
  });
  if (!stat) throw new ModelFolderError(dir, '', 'the model folder does not exist');
  if (!stat.isDirectory()) throw new ModelFolderError(dir, '', 'is not a folder (point --model / nanoforge.model at the model folder)');
}

function missingOrUnreadable(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'is missing';
  if (error instanceof TooLargeError) return `is too large (more than ${error.limit} bytes)`;
  return `cannot be read (${errorMessage(error)})`;
}

export async function readJsonFile(dir: string, file: string): Promise<JsonObject>;
export async function readJsonFile(dir: string, file: string, options: { optional: true }): Promise<JsonObject | undefined>;
export async function readJsonFile(dir: string, file: string, options?: { optional: true }): Promise<JsonObject | undefined> {
  let text: string;
  try {
    text = await readTextFileBounded(path.join(dir, file), CONFIG_MAX_BYTES);
  } catch (error) {
    if (options?.optional && (error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ModelFolderError(dir, file, missingOrUnreadable(error));
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ModelFolderError(dir, file, `is not valid JSON (${errorMessage(error)})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ModelFolderError(dir, file, 'must contain a JSON object');
  }
  return parsed as JsonObject;
}

/**
 * `config[key]` (own property) as a number inside `range`; absent or null → undefined; anything
 * else → a ModelFolderError naming the file, the field, the value and the range.
 */
export function numberField(dir: string, file: string, config: JsonObject | undefined, key: string, range: NumberRange): number | undefined {
  const value = ownValue(config, key);
  if (value === undefined || value === null) return undefined;
  if (!inRange(value, range)) {
    throw new ModelFolderError(dir, file, `field '${key}' is ${describeValue(value)}; valid: ${describeRange(range)}`);
  }
  return value;
}
