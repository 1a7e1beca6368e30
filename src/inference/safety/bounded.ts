// The one way to read bytes we do not control: from a stream (a hub's answer), from a file (a model
// folder's JSON, an image in the workspace), or out of a compressed chunk. Every read has a limit,
// and crossing it is a TooLargeError naming what was read, long before memory is in danger.
import { promises as fs } from 'node:fs';
import type { Readable } from 'node:stream';
import { inflateSync } from 'node:zlib';

/** More bytes than the limit for `what`; `noun` says what kind of thing it was ("answer", "file"). */
export class TooLargeError extends Error {
  constructor(readonly what: string, readonly limit: number, noun = 'answer') {
    super(`${what}: ${noun} too large (more than ${limit} bytes); refusing to read on`);
    this.name = 'TooLargeError';
  }
}

/** Something that can be stopped early (Node streams, HTTP responses). */
interface Destroyable { destroy?: (error?: Error) => void }

/** Collects `source` into one buffer; past `limit` bytes it stops the source and throws TooLargeError. */
export async function readBounded(source: AsyncIterable<Uint8Array> & Destroyable, limit: number, what: string, noun = 'answer'): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of source) {
    total += chunk.length;
    if (total > limit) {
      const error = new TooLargeError(what, limit, noun);
      source.destroy?.();
      throw error;
    }
    chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  }
  return Buffer.concat(chunks, total);
}

/** How much of an answer nobody reads (an error page, a redirect's body) is drained before hanging up. */
export const DISCARD_LIMIT_BYTES = 64 * 1024;

/**
 * Throws away the body of an answer we do not read (an error page, a redirect), draining it so the
 * connection can serve the next request, but hanging up past `limit` bytes: a body that never ends
 * would otherwise keep the process reading (and alive) forever.
 */
export function discardBounded(source: Readable, limit = DISCARD_LIMIT_BYTES): void {
  let seen = 0;
  source.on('data', (chunk: Uint8Array) => {
    seen += chunk.length;
    if (seen > limit) source.destroy();
  });
  // Nothing waits for these bytes, so a connection that breaks while they drain changes nothing;
  // without a listener the stream's 'error' would be an uncaught exception.
  source.on('error', (error) => void error);
  source.resume(); // in case someone paused it: a 'data' listener alone does not restart a paused stream
}

/** The first `limit` bytes of `file` (all of it when smaller) and its size on disk. */
export async function readFileHead(file: string, limit: number): Promise<{ bytes: Uint8Array; size: number }> {
  const handle = await fs.open(file, 'r');
  try {
    const { size } = await handle.stat();
    const want = Math.max(0, Math.min(size, limit));
    const bytes = new Uint8Array(want);
    let filled = 0;
    while (filled < want) {
      const { bytesRead } = await handle.read(bytes, filled, want - filled, filled);
      if (bytesRead === 0) break; // the file shrank while we read it
      filled += bytesRead;
    }
    return { bytes: filled === want ? bytes : bytes.subarray(0, filled), size };
  } finally {
    await handle.close();
  }
}

/** The whole of `file`, or TooLargeError when it holds more than `limit` bytes. */
export async function readFileBounded(file: string, limit: number, what = file): Promise<Buffer> {
  // One byte past the limit tells a file that is exactly `limit` long from one that grew past it.
  const { bytes, size } = await readFileHead(file, limit + 1);
  if (size > limit || bytes.length > limit) throw new TooLargeError(what, limit, 'file');
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Text of a bounded file read as UTF-8. */
export async function readTextFileBounded(file: string, limit: number, what = file): Promise<string> {
  return (await readFileBounded(file, limit, what)).toString('utf8');
}

/**
 * zlib-inflates `data`, stopping at `limit` output bytes: undefined when the stream would inflate
 * to more (a decompression bomb) or is not valid zlib data. Callers treat both as "no content".
 */
export function inflateBounded(data: Uint8Array, limit: number): Uint8Array | undefined {
  try {
    return inflateSync(data, { maxOutputLength: Math.max(1, limit) });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (code === 'ERR_BUFFER_TOO_LARGE' || code.startsWith('Z_') || error instanceof RangeError) return undefined;
    throw error;
  }
}
