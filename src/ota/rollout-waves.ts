import type { Plan } from '../plan/schema.js';
import type { ProgressEvent } from '../progress/events.js';
import type { DeviceRecord, DeviceState } from '../state/device-state.js';
import type { RolloutWaveKey } from './rollout-job-id.js';
import type { RolloutSettings } from './rollout-settings.js';

/**
 * The shape of a rollout, pure: the planned waves in order (canary first), then retry
 * waves for the stragglers, the gate between planned waves, and who is retried or
 * quarantined. The rollout stage asks these; they read only device records.
 */
export interface RolloutWave {
  /** The wave number devices record: planned waves 1..n, then retry waves n+1, n+2, ... */
  index: number;
  name: string;
  key: RolloutWaveKey;
}

export function plannedWaves(plan: Pick<Plan, 'waves'>): Array<RolloutWave & { deviceIds: readonly string[] }> {
  return plan.waves.list.map((wave) => ({ index: wave.index, name: wave.name, key: { kind: 'planned', index: wave.index }, deviceIds: wave.deviceIds }));
}

export function retryWave(plannedCount: number, number: number): RolloutWave {
  return { index: plannedCount + number, name: `retry-${number}`, key: { kind: 'retry', number } };
}

/**
 * Devices a retry wave takes: those rolled back by any earlier wave. A device that retry
 * wave n rolled back again waits for wave n+1, so no device is retried twice in a wave.
 */
export function retryCandidates(records: Iterable<DeviceRecord>, wave: RolloutWave): DeviceRecord[] {
  return [...records].filter((record) => record.state === 'rolled-back' && (record.wave ?? 0) < wave.index);
}

/**
 * When a retry wave may start: the cool-down after the latest of its devices came back,
 * so a passing cause (a flaky uplink, a busy hub) has time to clear. Read from the
 * records, so a re-run waits only for what is left of it.
 */
export function coolDownEndsAt(candidates: readonly DeviceRecord[], coolDownSeconds: number): number {
  const latest = Math.max(...candidates.map((record) => Date.parse(record.stateChangedAt)));
  return latest + coolDownSeconds * 1000;
}

export type GateVerdict = { pass: true; failurePercent: number | null } | { pass: false; failurePercent: number; reason: string };

/**
 * hawkBit's emergency stop between waves: the next wave starts only when the failures of
 * the one before, among its devices that finished, are at most the threshold.
 */
export function waveGate(wave: Pick<RolloutWave, 'name'>, tally: { verified: number; rolledBack: number }, thresholdPercent: number): GateVerdict {
  const finished = tally.verified + tally.rolledBack;
  if (finished === 0) return { pass: true, failurePercent: null };
  const failurePercent = (tally.rolledBack * 100) / finished;
  if (failurePercent <= thresholdPercent) return { pass: true, failurePercent };
  return {
    pass: false,
    failurePercent,
    reason: `${tally.rolledBack} of ${finished} devices of ${wave.name} rolled back (${round(failurePercent)}%), above the ${thresholdPercent}% threshold`,
  };
}

/** Verified among the devices that finished, in percent; null before any finished. */
export function successPercent(counts: Record<DeviceState, number>): number | null {
  const finished = counts.verified + counts['rolled-back'] + counts.quarantined;
  return finished === 0 ? null : round((counts.verified * 100) / finished);
}

export function waveEvent(
  wave: RolloutWave,
  counts: Record<DeviceState, number>,
  status: 'running' | 'paused' | 'finished' | 'stopped',
  settings: RolloutSettings,
  extra: { jobId?: string; reason?: string } = {},
): Extract<ProgressEvent, { type: 'wave' }> {
  const present = Object.fromEntries(Object.entries(counts).filter(([, count]) => count > 0));
  return {
    type: 'wave',
    wave: wave.index,
    name: wave.name,
    status,
    ...(extra.jobId !== undefined ? { jobId: extra.jobId } : {}),
    devices: Object.values(counts).reduce((sum, count) => sum + count, 0),
    counts: present,
    successPercent: successPercent(counts),
    abortThresholdPercent: settings.abortThresholdPercent,
    maximumPerMinute: settings.maximumPerMinute,
    ...(extra.reason !== undefined ? { reason: extra.reason } : {}),
  };
}

function round(percent: number): number {
  return Math.round(percent * 10) / 10;
}
