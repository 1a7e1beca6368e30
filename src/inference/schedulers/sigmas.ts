// Noise levels of the Euler family: sigma_t = sqrt((1 - alphas_cumprod_t) / alphas_cumprod_t).
const f32 = Math.fround;

/** sigma for every training timestep, float32 like torch computes it. */
export function sigmaTable(alphasCumprod: Float64Array): Float64Array {
  return alphasCumprod.map((a) => f32(Math.sqrt(f32(f32(1 - a) / a))));
}

/** np.interp(t, arange(len(table)), table): linear between integer timesteps, clamped at the ends. */
export function interpolateSigma(table: Float64Array, t: number): number {
  const last = table.length - 1;
  if (t <= 0) return table[0] as number;
  if (t >= last) return table[last] as number;
  const low = Math.floor(t);
  const left = table[low] as number;
  const right = table[low + 1] as number;
  return (right - left) * (t - low) + left;
}

/** Karras et al. 2022 (EDM) schedule between sigmaMax and sigmaMin, rho = 7. */
export function karrasSigmas(sigmaMin: number, sigmaMax: number, n: number): number[] {
  const rho = 7;
  const minInv = sigmaMin ** (1 / rho);
  const maxInv = sigmaMax ** (1 / rho);
  return Array.from({ length: n }, (_, i) => {
    const ramp = n > 1 ? i / (n - 1) : 0;
    return (maxInv + ramp * (minInv - maxInv)) ** rho;
  });
}

/** Geometric spacing from sigmaMax down to sigmaMin. */
export function exponentialSigmas(sigmaMin: number, sigmaMax: number, n: number): number[] {
  const hi = Math.log(sigmaMax);
  const lo = Math.log(sigmaMin);
  return Array.from({ length: n }, (_, i) => Math.exp(n > 1 ? hi + (i * (lo - hi)) / (n - 1) : hi));
}

/** Fractional training timestep whose sigma is `sigma`, interpolating log-sigmas (diffusers' _sigma_to_t). */
export function sigmaToTimestep(sigma: number, logTable: Float64Array): number {
  const logSigma = Math.log(Math.max(sigma, 1e-10));
  let low = 0;
  for (let i = 0; i < logTable.length; i++) if ((logTable[i] as number) <= logSigma) low = i;
  low = Math.min(low, logTable.length - 2);
  const lowLog = logTable[low] as number;
  const highLog = logTable[low + 1] as number;
  const w = Math.min(1, Math.max(0, (lowLog - logSigma) / (lowLog - highLog)));
  return (1 - w) * low + w * (low + 1);
}
