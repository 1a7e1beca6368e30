// The default model of a models folder (`nanoforge models default ID`): the id kept in one small file
// beside the models, so the CLI and VS Code (sharing a folder) agree on it.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { StoreError } from './store';
import { errorMessage } from '../errors';

export const DEFAULT_MODEL_FILE = 'default-model.json';

/** The default model's id, or undefined when none was chosen. */
export async function readDefaultModel(root: string): Promise<string | undefined> {
  const file = path.join(root, DEFAULT_MODEL_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StoreError(`${file} cannot be read (${errorMessage(error)})`);
  }
  let id: unknown;
  try {
    id = (JSON.parse(text) as { id?: unknown } | null)?.id;
  } catch (error) {
    throw new StoreError(`${file} is not valid JSON (${errorMessage(error)}); choose the default again with nanoforge models default ID`);
  }
  if (id !== undefined && typeof id !== 'string') throw new StoreError(`${file}: "id" must be a string; choose the default again with nanoforge models default ID`);
  return id || undefined;
}

/** Records `id` as the default (undefined forgets it); written whole through a rename. */
export async function writeDefaultModel(root: string, id: string | undefined): Promise<void> {
  const file = path.join(root, DEFAULT_MODEL_FILE);
  if (id === undefined) {
    await fs.rm(file, { force: true });
    return;
  }
  await fs.mkdir(root, { recursive: true });
  await fs.writeFile(`${file}.tmp`, `${JSON.stringify({ version: 1, id }, null, 2)}\n`);
  await fs.rename(`${file}.tmp`, file);
}
