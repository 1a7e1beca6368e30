// Finds (or writes) the synthetic SD-Turbo folders the benchmarks run on.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { defaultName, writeSynthetic } from '../../scripts/make-synthetic-sd-turbo';
import { REPO } from './report';

export type Precision = 'fp32' | 'fp16';

export function parsePrecisions(list: string): Precision[] {
  const out = list.split(',').filter(Boolean);
  for (const p of out) if (p !== 'fp32' && p !== 'fp16') throw new Error(`--precision takes fp32 and/or fp16, got '${p}'`);
  return out as Precision[];
}

/** bench/models/<name> for this precision and scale; written first when missing (full size: minutes). */
export async function syntheticModel(precision: Precision, scale: number, root = path.join(REPO, 'bench', 'models')): Promise<string> {
  const dir = path.join(root, defaultName({ precision, scale }));
  // The -taesd sibling is written last, so its decoder marks a finished folder.
  const complete = existsSync(path.join(dir, 'unet', 'model.onnx')) && existsSync(path.join(`${dir}-taesd`, 'vae_decoder', 'model.onnx'));
  if (!complete) {
    process.stdout.write(`model ${dir} missing: generating it (scripts/make-synthetic-sd-turbo.ts)\n`);
    await writeSynthetic({ precision, scale, seed: 1, out: root });
  }
  return dir;
}

/** Model description for tables: "full size" or "--scale 0.25". */
export function sizeLabel(scale: number): string {
  return scale === 1 ? 'full size' : `scale ${scale}`;
}
