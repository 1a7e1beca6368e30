// How inference timesteps are picked from the training schedule (2305.08891, Table 2), the way
// diffusers' numpy code does it, including numpy's round-half-to-even.
import { readEnum, readNumber, SCHEDULER_RANGES } from './options';
import type { SchedulerConfig } from './types';

export type TimestepSpacing = 'leading' | 'trailing' | 'linspace';
export const TIMESTEP_SPACINGS: readonly TimestepSpacing[] = ['leading', 'trailing', 'linspace'];

export interface SpacingOptions {
  spacing: TimestepSpacing;
  stepsOffset: number;
}

export function readSpacing(config: SchedulerConfig, defaultSpacing: TimestepSpacing): SpacingOptions {
  return {
    spacing: readEnum(config, 'timestep_spacing', defaultSpacing, TIMESTEP_SPACINGS),
    stepsOffset: readNumber(config, 'steps_offset', 0, SCHEDULER_RANGES.steps_offset),
  };
}

/** numpy's np.round: halves go to the even neighbour. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** np.arange(start, 0, -step) for a float step: numpy fills start + i * ((start - step) - start). */
function arangeDown(start: number, step: number, count: number): number[] {
  const delta = (start - step) - start;
  return Array.from({ length: count }, (_, i) => start + i * delta);
}

/** np.linspace(0, stop, n) (float64, endpoint included; a single step gives [0]). */
function linspaceToStop(stop: number, n: number): number[] {
  const step = n > 1 ? stop / (n - 1) : 0;
  return Array.from({ length: n }, (_, i) => (n > 1 && i === n - 1 ? stop : i * step));
}

/**
 * Timesteps in descending order, before any dtype cast. `leading` adds steps_offset; `trailing` ends
 * one before each interval. (For some n numpy's arange yields n + 1 trailing values, the extra one
 * being -1; diffusers then runs a spurious step. We keep exactly n.)
 */
export function spacedTimesteps(trainSteps: number, n: number, opts: SpacingOptions, roundLinspace: boolean): number[] {
  switch (opts.spacing) {
    case 'leading': {
      const ratio = Math.floor(trainSteps / n);
      return Array.from({ length: n }, (_, i) => (n - 1 - i) * ratio + opts.stepsOffset);
    }
    case 'trailing':
      return arangeDown(trainSteps, trainSteps / n, n).map((t) => roundHalfEven(t) - 1);
    case 'linspace': {
      const values = linspaceToStop(trainSteps - 1, n).reverse();
      return roundLinspace ? values.map(roundHalfEven) : values;
    }
  }
}
