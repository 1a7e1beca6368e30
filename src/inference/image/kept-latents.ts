// Kept latents: the final latents of recent candidates with what is needed to render them again, so
// a later call decodes a chosen candidate with the full VAE ("save in full quality") without running
// the UNet again. Bounded (a 512² SD latent is 64 KB); the worker drops them when the model changes.
import { randomBytes } from 'node:crypto';
import type { AssetMetadata, FinalLatents, OutputOptions } from '../types';
import type { RenderOptions } from './render';

export interface KeptCandidate {
  latents: FinalLatents;
  seed: number;
  /** The model folder that made them (another model's decoder would read them wrongly). */
  modelDir: string;
  output: OutputOptions;
  metadata: AssetMetadata;
  /** Image-to-image with keepAlpha: the start image's alpha mask goes on the re-decoded pixels too. */
  render?: RenderOptions;
}

/** A latents id that is not (or no longer) kept. */
export class LatentsNotFoundError extends Error {
  constructor(readonly latentsId: string, readonly capacity: number) {
    super(`The latents '${latentsId.slice(0, 40)}' are not kept any more (only the last ${capacity} candidates are, and switching models drops them); generate the image again.`);
    this.name = 'LatentsNotFoundError';
  }
}

export class KeptLatentsStore {
  private readonly entries = new Map<string, KeptCandidate>();

  constructor(readonly capacity = 32) {}

  /** Keeps `candidate` and returns its id; the oldest entry goes past the capacity. */
  keep(candidate: KeptCandidate): string {
    const id = `latents-${randomBytes(9).toString('base64url')}`;
    this.entries.set(id, candidate);
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
    return id;
  }

  /** The kept candidate, or LatentsNotFoundError. */
  get(id: string): KeptCandidate {
    const found = this.entries.get(id);
    if (!found) throw new LatentsNotFoundError(id, this.capacity);
    return found;
  }

  /** Drops everything (the model changed). */
  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
