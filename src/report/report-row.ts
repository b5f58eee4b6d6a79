import type { DeviceRecord, DeviceState } from '../state/device-state.js';
import type { DeviceTransition } from '../state/state-store.js';
import type { WaveNamer } from './wave-names.js';

/** One device in the report, the same in every format. Timestamps are ISO, null when it never happened. */
export interface ReportRow {
  deviceId: string;
  state: DeviceState;
  reason: string | null;
  /** The wave of the device's latest job; null before its first. */
  wave: { index: number; name: string } | null;
  /** Jobs that targeted the device: its first wave plus each retry wave. */
  attempts: number;
  firmwareBefore: string | null;
  firmwareAfter: string | null;
  enrolledAt: string;
  /** The latest attempt's job, so it pairs with `wave`. */
  jobQueuedAt: string | null;
  verifiedAt: string | null;
  /** The latest rollback: a device retried after it may have ended verified or quarantined since. */
  rolledBackAt: string | null;
  quarantinedAt: string | null;
  stateChangedAt: string;
}

/** Pure: a record and its history (oldest first, as StateStore.history returns it) as a report row. */
export function reportRowOf(record: DeviceRecord, history: readonly DeviceTransition[], waveName: WaveNamer): ReportRow {
  const latest = (matches: (step: DeviceTransition) => boolean) => history.findLast(matches)?.at ?? null;
  return {
    deviceId: record.deviceId,
    state: record.state,
    reason: record.reason,
    wave: record.wave === null ? null : { index: record.wave, name: waveName(record.wave) },
    attempts: record.rolloutAttempts,
    firmwareBefore: record.firmwareBefore,
    firmwareAfter: record.firmwareAfter,
    enrolledAt: record.enrolledAt,
    jobQueuedAt: latest((step) => step.event === 'job-queued'),
    verifiedAt: latest((step) => step.to === 'verified'),
    rolledBackAt: latest((step) => step.to === 'rolled-back'),
    quarantinedAt: latest((step) => step.to === 'quarantined'),
    stateChangedAt: record.stateChangedAt,
  };
}
