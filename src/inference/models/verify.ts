// The manifest a pull writes beside the model (nanoforge-model.json) and the re-hash that checks a
// model against it, naming every missing, truncated or corrupt file so `pull --repair` can re-fetch
// exactly those.
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { AbortError, errorMessage } from '../errors';
import { readTextFileBounded, TooLargeError } from '../safety/bounded';
import { entryPathProblem, resolveInsideReal } from '../safety/paths';
import { describeValue } from '../safety/ranges';
import { escapeTerminal } from '../safety/text';

export const MANIFEST_FILE = 'nanoforge-model.json';
/** A manifest lists tens of files; a few MiB is generous. */
const MANIFEST_MAX_BYTES = 4 * 1024 * 1024;

export interface ManifestFile {
  path: string;
  size: number;
  sha256: string;
}

export interface ModelManifest {
  format: 1;
  id: string;
  kind: 'pipeline' | 'preview-decoder';
  source: {
    /** Hub the files came from (a mirror when HF_ENDPOINT/the setting said so). */
    endpoint: string;
    repo: string;
    /** What was asked for (a commit, a branch or a tag). */
    revision: string;
    /** The commit the files are from. */
    commit: string;
  };
  downloadedAt: string;
  files: ManifestFile[];
}

export class ManifestError extends Error {
  constructor(dir: string, problem: string) {
    super(`${path.join(dir, MANIFEST_FILE)}: ${problem}`);
    this.name = 'ManifestError';
  }
}

/** Reads and checks a manifest; undefined when the folder has none (not one of our downloads). */
export async function readManifest(dir: string): Promise<ModelManifest | undefined> {
  let text: string;
  try {
    text = await readTextFileBounded(path.join(dir, MANIFEST_FILE), MANIFEST_MAX_BYTES);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    if (error instanceof TooLargeError) throw new ManifestError(dir, `is larger than ${MANIFEST_MAX_BYTES} bytes; not a manifest Nanoforge wrote`);
    throw error;
  }
  let data: Partial<ModelManifest>;
  try {
    data = JSON.parse(text) as Partial<ModelManifest>;
  } catch (error) {
    throw new ManifestError(dir, `is not valid JSON (${errorMessage(error)})`);
  }
  if (data.format !== 1 || typeof data.id !== 'string' || !data.source || !Array.isArray(data.files)) throw new ManifestError(dir, 'is not a Nanoforge model manifest (format 1)');
  for (const f of data.files as unknown[]) {
    const entry = (typeof f === 'object' && f !== null ? f : {}) as Partial<ManifestFile>;
    const problem = entryPathProblem(entry.path)
      ?? (!Number.isSafeInteger(entry.size) || (entry.size as number) < 0 ? `size ${describeValue(entry.size)} is not a whole number of bytes` : undefined)
      ?? (!/^[0-9a-f]{64}$/.test(String(entry.sha256)) ? 'sha256 is not 64 hex digits' : undefined);
    if (problem) throw new ManifestError(dir, `bad file entry ${escapeTerminal(describeValue(f))}: ${problem}`);
  }
  return data as ModelManifest;
}

export async function writeManifest(dir: string, manifest: ModelManifest): Promise<void> {
  const file = path.join(dir, MANIFEST_FILE);
  await fs.writeFile(`${file}.tmp`, `${JSON.stringify(manifest, null, 2)}\n`);
  await fs.rename(`${file}.tmp`, file);
}

export async function sha256File(file: string, signal?: AbortSignal, onBytes?: (n: number) => void): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { signal })) {
    hash.update(chunk as Buffer);
    onBytes?.((chunk as Buffer).length);
  }
  return hash.digest('hex');
}

export type FileProblem = 'missing' | 'truncated' | 'oversized' | 'corrupt';

export interface VerifyReport {
  dir: string;
  ok: boolean;
  checked: number;
  problems: { path: string; problem: FileProblem; expectedSize: number; actualSize?: number }[];
}

/** Re-hashes every manifest file (size first: a wrong size is reported without hashing). */
export async function verifyAgainstManifest(dir: string, manifest: ModelManifest, opts: { signal?: AbortSignal; onBytes?: (n: number) => void } = {}): Promise<VerifyReport> {
  const problems: VerifyReport['problems'] = [];
  for (const f of manifest.files) {
    if (opts.signal?.aborted) throw new AbortError('Verification cancelled.');
    const file = await resolveInsideReal(dir, f.path, path.join(dir, MANIFEST_FILE));
    const stat = await fs.stat(file).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (!stat) {
      problems.push({ path: f.path, problem: 'missing', expectedSize: f.size });
      continue;
    }
    if (stat.size !== f.size) {
      problems.push({ path: f.path, problem: stat.size < f.size ? 'truncated' : 'oversized', expectedSize: f.size, actualSize: stat.size });
      continue;
    }
    if ((await sha256File(file, opts.signal, opts.onBytes)) !== f.sha256) problems.push({ path: f.path, problem: 'corrupt', expectedSize: f.size, actualSize: stat.size });
  }
  return { dir, ok: problems.length === 0, checked: manifest.files.length, problems };
}
