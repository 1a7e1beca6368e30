// Which pixels the panel's Save writes: the candidate as shown, or its kept latents decoded again
// with the full VAE. Pure (no `vscode`), so the rule is tested on its own (test/unit/save-quality.test.ts).
import type { SaveQuality } from '../settings';

/** How a generation's candidates were decoded: the tiny decoder, the full VAE, or unknown (older store). */
export type DecodedWith = 'tiny' | 'full' | undefined;

export interface SaveQualityInput {
  setting: SaveQuality;
  /** "Save (full quality)": the user asked for the full decode whatever the setting says. */
  forced: boolean;
  decodedWith: DecodedWith;
  /** The provider that ran the generation ('cpu', 'cuda', 'webgpu', …). */
  device: string;
}

/** Providers that are not a GPU: there a full VAE decode costs seconds, so `auto` skips it. */
const CPU_DEVICES: readonly string[] = ['cpu'];

export function isGpuDevice(device: string): boolean {
  return !CPU_DEVICES.includes(device);
}

/**
 * True when Save must decode the kept latents with the full VAE first. Every loadable model has the
 * full VAE (vae_decoder/ is required), so what varies is which decoder made the candidates: a model
 * without a tiny decoder (or a GPU on decoder 'auto') already gave full-VAE pixels, final as they
 * are. An unknown decoder (no record) is treated as the tiny one, so asking for full quality is
 * never silently skipped.
 */
export function wantsFullDecode({ setting, forced, decodedWith, device }: SaveQualityInput): boolean {
  if (decodedWith === 'full') return false;
  if (forced || setting === 'full') return true;
  if (setting === 'preview') return false;
  return isGpuDevice(device);
}
