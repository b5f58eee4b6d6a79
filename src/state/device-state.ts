import { assertNever } from '../assert-never.js';

/**
 * The per-device state machine of `apply` (ARCHITECTURE.md). Every device moves
 * pending → identity-created → job-queued → downloading → installed → azure-connected →
 * verified, or ends rolled-back / quarantined with a reason. Pure: the state store runs
 * every write through `nextDeviceRecord`, so a transition it refuses never reaches the
 * database. The identities stage drives the first step, the rollout stage the rest; a
 * rolled-back device goes back to job-queued when a retry wave takes it again.
 */
export const DEVICE_STATES = [
  'pending',
  'identity-created',
  'job-queued',
  'downloading',
  'installed',
  'azure-connected',
  'verified',
  'rolled-back',
  'quarantined',
] as const;
export type DeviceState = (typeof DEVICE_STATES)[number];

/** What ensuring an identity did on the hub. */
export const IDENTITY_OUTCOMES = ['created', 'updated', 'unchanged'] as const;
export type IdentityOutcome = (typeof IDENTITY_OUTCOMES)[number];

export interface DeviceRecord {
  deviceId: string;
  state: DeviceState;
  /** Why the device is where it is: the last failure while pending, the cause of a rollback or quarantine. */
  reason: string | null;
  /** Digest of the plan identity (authentication and twin seed) last ensured on the hub. */
  identityDigest: string | null;
  identityOutcome: IdentityOutcome | null;
  /** Runs that tried to ensure the identity, successful or not. */
  identityAttempts: number;
  /** The rollout wave (1 = canary) of the device's latest job; null before its first. */
  wave: number | null;
  /** The AWS IoT job of the device's latest attempt. */
  jobId: string | null;
  /** Jobs that targeted the device (the first wave plus each retry wave). */
  rolloutAttempts: number;
  /** The firmware version the device ran on AWS before the cutover, when known. */
  firmwareBefore: string | null;
  /** The firmware version the device reported from IoT Hub once verified. */
  firmwareAfter: string | null;
  /** ISO timestamps. */
  enrolledAt: string;
  stateChangedAt: string;
  updatedAt: string;
}

/** The states a device is in while its job runs: it may be on either cloud, never on neither. */
export const IN_FLIGHT_STATES = ['job-queued', 'downloading', 'installed', 'azure-connected'] as const;
export type InFlightState = (typeof IN_FLIGHT_STATES)[number];
/** States where the device is done with this run of apply. */
export const FINAL_STATES = ['verified', 'rolled-back', 'quarantined'] as const;

export type DeviceEvent =
  | { type: 'identity-ensured'; outcome: IdentityOutcome; digest: string }
  | { type: 'identity-failed'; reason: string }
  /** The plan now wants another identity than the one ensured: ensure it again. */
  | { type: 'identity-outdated' }
  /** A wave's job targets the device (its first wave, or a retry wave after a rollback). */
  | { type: 'job-queued'; jobId: string; wave: number; firmwareBefore: string | null }
  /** The job was cancelled before the device started it: the device never left AWS. */
  | { type: 'job-canceled'; reason: string }
  /** Observed further along the cutover; observations may skip steps, never go back. */
  | { type: 'progressed'; to: Exclude<InFlightState, 'job-queued'> }
  /** Both clouds agree: the job execution SUCCEEDED and IoT Hub has the device connected with the new firmware. */
  | { type: 'verified'; firmwareAfter: string }
  /**
   * AWS and IoT Hub disagree about an in-flight device past the agent's IoT Hub timeout
   * (say, SUCCEEDED on AWS but not connected on the hub): it stays where it is, for the
   * next run to look at again, with the disagreement as its reason for the report.
   */
  | { type: 'unconfirmed'; reason: string }
  /** The device is back on AWS on its old firmware (job FAILED, TIMED_OUT or REJECTED). */
  | { type: 'rolled-back'; reason: string }
  /** Out of retry waves: left on AWS, in the quarantine thing group. */
  | { type: 'quarantined'; reason: string };

export type Transition = { ok: true; record: DeviceRecord } | { ok: false; problem: string };

export function enrolledDevice(deviceId: string, at: string): DeviceRecord {
  return {
    deviceId,
    state: 'pending',
    reason: null,
    identityDigest: null,
    identityOutcome: null,
    identityAttempts: 0,
    wave: null,
    jobId: null,
    rolloutAttempts: 0,
    firmwareBefore: null,
    firmwareAfter: null,
    enrolledAt: at,
    stateChangedAt: at,
    updatedAt: at,
  };
}

export function isInFlight(state: DeviceState): state is InFlightState {
  return (IN_FLIGHT_STATES as readonly DeviceState[]).includes(state);
}

export function nextDeviceRecord(record: DeviceRecord, event: DeviceEvent, at: string): Transition {
  const refuse = (): Transition => ({ ok: false, problem: `device ${record.deviceId} is ${record.state}: ${event.type} does not apply` });
  const moveTo = (state: DeviceState, changes: Partial<DeviceRecord> = {}): Transition => ({
    ok: true,
    record: { ...record, ...changes, state, stateChangedAt: at, updatedAt: at },
  });
  switch (event.type) {
    case 'identity-ensured':
      if (record.state !== 'pending') return refuse();
      return moveTo('identity-created', {
        reason: null,
        identityDigest: event.digest,
        identityOutcome: event.outcome,
        identityAttempts: record.identityAttempts + 1,
      });
    case 'identity-failed':
      // The device stays pending, so the next run tries again; the reason is what the report shows.
      if (record.state !== 'pending') return refuse();
      return { ok: true, record: { ...record, reason: event.reason, identityAttempts: record.identityAttempts + 1, updatedAt: at } };
    case 'identity-outdated':
      if (record.state !== 'identity-created') return refuse();
      return moveTo('pending');
    case 'job-queued':
      if (record.state !== 'identity-created' && record.state !== 'rolled-back') return refuse();
      return moveTo('job-queued', {
        reason: null,
        jobId: event.jobId,
        wave: event.wave,
        rolloutAttempts: record.rolloutAttempts + 1,
        firmwareBefore: record.firmwareBefore ?? event.firmwareBefore,
      });
    case 'job-canceled':
      if (record.state !== 'job-queued') return refuse();
      return moveTo('identity-created', { reason: event.reason });
    case 'progressed': {
      if (!isInFlight(record.state)) return refuse();
      const from = IN_FLIGHT_STATES.indexOf(record.state);
      const to = IN_FLIGHT_STATES.indexOf(event.to);
      if (to < from) return refuse();
      // Seeing the same step again is an observation, not a change.
      return to === from ? { ok: true, record } : moveTo(event.to);
    }
    case 'unconfirmed':
      if (!isInFlight(record.state)) return refuse();
      return { ok: true, record: { ...record, reason: event.reason, updatedAt: at } };
    case 'verified':
      if (!isInFlight(record.state)) return refuse();
      return moveTo('verified', { reason: null, firmwareAfter: event.firmwareAfter });
    case 'rolled-back':
      if (!isInFlight(record.state)) return refuse();
      return moveTo('rolled-back', { reason: event.reason });
    case 'quarantined':
      if (record.state !== 'rolled-back') return refuse();
      return moveTo('quarantined', { reason: event.reason });
    default:
      return assertNever(event);
  }
}

/**
 * What the identities stage does with a device, given its record (undefined before its
 * first run) and the digest of the identity the plan wants now:
 * - `ensure`: create or update it on the hub (after an `identity-outdated` event when `outdated`);
 * - `done`: the hub already holds this identity;
 * - `locked`: the plan changed the identity of a device that is already being rolled out
 *   (or finished); changing it under a device mid-cutover could strand it, so it is left
 *   alone and reported.
 */
export type IdentityStep = { kind: 'ensure'; outdated: boolean } | { kind: 'done' } | { kind: 'locked'; state: DeviceState };

export function identityStepFor(record: DeviceRecord | undefined, plannedDigest: string): IdentityStep {
  if (!record) return { kind: 'ensure', outdated: false };
  const current = record.identityDigest === plannedDigest;
  switch (record.state) {
    case 'pending':
      return { kind: 'ensure', outdated: false };
    case 'identity-created':
      return current ? { kind: 'done' } : { kind: 'ensure', outdated: true };
    case 'job-queued':
    case 'downloading':
    case 'installed':
    case 'azure-connected':
    case 'verified':
    case 'rolled-back':
    case 'quarantined':
      return current ? { kind: 'done' } : { kind: 'locked', state: record.state };
    default:
      return assertNever(record.state);
  }
}
