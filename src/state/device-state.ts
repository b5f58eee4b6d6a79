import { assertNever } from '../assert-never.js';

/**
 * The per-device state machine of `apply` (ARCHITECTURE.md). Every device moves
 * pending → identity-created → job-queued → downloading → installed → azure-connected →
 * verified, or ends rolled-back / quarantined with a reason. Pure: the state store runs
 * every write through `nextDeviceRecord`, so a transition it refuses never reaches the
 * database. The identities stage drives the first step; the rollout stages add their
 * events here.
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
  /** ISO timestamps. */
  enrolledAt: string;
  stateChangedAt: string;
  updatedAt: string;
}

export type DeviceEvent =
  | { type: 'identity-ensured'; outcome: IdentityOutcome; digest: string }
  | { type: 'identity-failed'; reason: string }
  /** The plan now wants another identity than the one ensured: ensure it again. */
  | { type: 'identity-outdated' };

export type Transition = { ok: true; record: DeviceRecord } | { ok: false; problem: string };

export function enrolledDevice(deviceId: string, at: string): DeviceRecord {
  return {
    deviceId,
    state: 'pending',
    reason: null,
    identityDigest: null,
    identityOutcome: null,
    identityAttempts: 0,
    enrolledAt: at,
    stateChangedAt: at,
    updatedAt: at,
  };
}

export function nextDeviceRecord(record: DeviceRecord, event: DeviceEvent, at: string): Transition {
  const refuse = (): Transition => ({ ok: false, problem: `device ${record.deviceId} is ${record.state}: ${event.type} does not apply` });
  switch (event.type) {
    case 'identity-ensured':
      if (record.state !== 'pending') return refuse();
      return {
        ok: true,
        record: {
          ...record,
          state: 'identity-created',
          reason: null,
          identityDigest: event.digest,
          identityOutcome: event.outcome,
          identityAttempts: record.identityAttempts + 1,
          stateChangedAt: at,
          updatedAt: at,
        },
      };
    case 'identity-failed':
      // The device stays pending, so the next run tries again; the reason is what the report shows.
      if (record.state !== 'pending') return refuse();
      return { ok: true, record: { ...record, reason: event.reason, identityAttempts: record.identityAttempts + 1, updatedAt: at } };
    case 'identity-outdated':
      if (record.state !== 'identity-created') return refuse();
      return { ok: true, record: { ...record, state: 'pending', stateChangedAt: at, updatedAt: at } };
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
