import type { Wave } from '../plan/schema.js';

/** How status and report name a wave. */
export type WaveNamer = (index: number) => string;

/**
 * Planned waves keep their plan names (canary, wave-2, ...); the rollout stage numbers
 * its retry waves after the planned ones and calls them retry-1, retry-2, ... Without a
 * plan a retry wave cannot be told apart, so every wave is named by its number.
 */
export function waveNamer(plannedWaves: readonly Pick<Wave, 'index' | 'name'>[] | undefined): WaveNamer {
  if (!plannedWaves) return (index) => `wave-${index}`;
  const names = new Map(plannedWaves.map((wave) => [wave.index, wave.name]));
  const lastPlanned = Math.max(0, ...plannedWaves.map((wave) => wave.index));
  return (index) => names.get(index) ?? (index > lastPlanned ? `retry-${index - lastPlanned}` : `wave-${index}`);
}
