import { DEVICE_STATES, type DeviceState } from '../state/device-state.js';
import type { Wave } from '../plan/schema.js';
import type { WaveNamer } from './wave-names.js';

export type StateCounts = Record<DeviceState, number>;

export interface WaveSummary {
  index: number;
  name: string;
  /** Devices whose latest job is this wave's (retried devices count in their retry wave). */
  devices: number;
  counts: StateCounts;
  /** The wave's size in the plan; null for retry waves and without a plan. */
  plannedDevices: number | null;
}

export interface FleetCounts {
  devices: number;
  counts: StateCounts;
  /** Every planned wave, started or not, and every wave the store knows, by index. */
  waves: WaveSummary[];
}

/** Pure: the store's counts, shaped and named for status and the report headline. */
export function countFleet(input: {
  counts: StateCounts;
  countsByWave: ReadonlyMap<number, StateCounts>;
  plannedWaves: readonly Wave[] | undefined;
  waveName: WaveNamer;
}): FleetCounts {
  const planned = new Map((input.plannedWaves ?? []).map((wave) => [wave.index, wave.deviceIds.length]));
  const indexes = [...new Set([...planned.keys(), ...input.countsByWave.keys()])].sort((a, b) => a - b);
  const waves = indexes.map((index) => {
    const counts = input.countsByWave.get(index) ?? zeroStateCounts();
    return { index, name: input.waveName(index), devices: sumCounts(counts), counts, plannedDevices: planned.get(index) ?? null };
  });
  return { devices: sumCounts(input.counts), counts: input.counts, waves };
}

export function zeroStateCounts(): StateCounts {
  return Object.fromEntries(DEVICE_STATES.map((state) => [state, 0])) as StateCounts;
}

export function sumCounts(counts: StateCounts): number {
  return DEVICE_STATES.reduce((total, state) => total + counts[state], 0);
}

/** "verified 40 · rolled-back 2", the states that have devices, in state-machine order. */
export function formatStateCounts(counts: StateCounts): string {
  const parts = DEVICE_STATES.filter((state) => counts[state] > 0).map((state) => `${state} ${counts[state]}`);
  return parts.length > 0 ? parts.join(' · ') : 'no devices';
}
