// The tip that offers a tiny decoder for a model without one: after `models pull` of such a model,
// and once per model the first time `generate` decoded with the full VAE on the CPU.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { formatBytes } from '../inference/models/disk';
import { hintsDir } from '../inference/models/store-cache';
import type { TinyDecoderOffer } from '../inference/models/tiny-decoder';

export function tinyDecoderTip(offer: TinyDecoderOffer, storeArgs?: string): string {
  return `tip: this model has no tiny decoder; nanoforge models pull ${offer.id}${storeArgs ? ` ${storeArgs}` : ''} (about ${formatBytes(offer.approxDownloadBytes)}) ` +
    `adds ${offer.name}, which decodes a 512×512 image on the CPU about 15× faster than the full VAE (--decoder auto uses it there).`;
}

/**
 * True the first time `key` is asked about in this store (an empty marker file remembers it); when
 * the marker cannot be written (a read-only store) the tip is shown rather than lost.
 */
export async function firstTime(storeDir: string, key: string): Promise<boolean> {
  const file = path.join(hintsDir(storeDir), key.replace(/[^\w.@-]+/g, '_').slice(0, 120));
  try {
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, '', { flag: 'wx' });
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'EEXIST';
  }
}
