// Reading a start image named on the command line (`generate --init-image FILE`, `variations FILE`):
// bounded, with one line per way it can go wrong that names the file and the way out. What the bytes
// hold (animated, too large, not an image) is checked by the core's inspectStartImage afterwards.
import { readFileSync, statSync } from 'node:fs';
import { CliUsageError } from './args';

/** The file's bytes; refuses a missing file, a folder, an unreadable file and one above `maxBytes`. */
export function readStartImageFile(file: string, maxBytes: number): Uint8Array {
  let size: number;
  try {
    const stat = statSync(file);
    if (stat.isDirectory()) throw new CliUsageError(`start image ${file} is a folder; give an image file`);
    size = stat.size;
  } catch (error) {
    if (error instanceof CliUsageError) throw error;
    throw new CliUsageError(fileProblem(file, error));
  }
  if (size > maxBytes) {
    throw new CliUsageError(`start image ${file} is ${(size / 1024 / 1024).toFixed(1)} MB; start images may be at most ${maxBytes / 1024 / 1024} MB (save a smaller copy)`);
  }
  if (size === 0) throw new CliUsageError(`start image ${file} is empty (0 bytes)`);
  try {
    return new Uint8Array(readFileSync(file));
  } catch (error) {
    throw new CliUsageError(fileProblem(file, error));
  }
}

function fileProblem(file: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return `start image ${file} does not exist; check the path`;
  if (code === 'EACCES' || code === 'EPERM') return `start image ${file} cannot be read (permission denied)`;
  return `start image ${file} cannot be read: ${(error as Error).message}`;
}
