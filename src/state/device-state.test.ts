import { describe, expect, it } from 'vitest';
import { DEVICE_STATES, enrolledDevice, identityStepFor, nextDeviceRecord, type DeviceRecord, type DeviceState } from './device-state.js';

const T0 = '2026-01-01T00:00:00.000Z';
const T1 = '2026-01-01T00:01:00.000Z';

function inState(state: DeviceState, digest: string | null = 'd1'): DeviceRecord {
  return { ...enrolledDevice('dev-1', T0), state, identityDigest: digest };
}

describe('nextDeviceRecord', () => {
  it('moves a pending device to identity-created with the outcome and digest, clearing an earlier failure', () => {
    const failed = nextDeviceRecord(enrolledDevice('dev-1', T0), { type: 'identity-failed', reason: 'ArgumentInvalid: tags too large' }, T0);
    expect(failed).toMatchObject({ ok: true, record: { state: 'pending', reason: 'ArgumentInvalid: tags too large', identityAttempts: 1 } });
    if (!failed.ok) return;
    const ensured = nextDeviceRecord(failed.record, { type: 'identity-ensured', outcome: 'created', digest: 'd1' }, T1);
    expect(ensured).toEqual({
      ok: true,
      record: {
        deviceId: 'dev-1',
        state: 'identity-created',
        reason: null,
        identityDigest: 'd1',
        identityOutcome: 'created',
        identityAttempts: 2,
        wave: null,
        jobId: null,
        rolloutAttempts: 0,
        firmwareBefore: null,
        firmwareAfter: null,
        enrolledAt: T0,
        stateChangedAt: T1,
        updatedAt: T1,
      },
    });
  });

  it('keeps a failed device pending, with its state timestamp unchanged', () => {
    const result = nextDeviceRecord(enrolledDevice('dev-1', T0), { type: 'identity-failed', reason: 'x' }, T1);
    expect(result).toMatchObject({ ok: true, record: { state: 'pending', stateChangedAt: T0, updatedAt: T1 } });
  });

  it('sends an ensured identity back to pending when the plan changed it', () => {
    expect(nextDeviceRecord(inState('identity-created'), { type: 'identity-outdated' }, T1)).toMatchObject({
      ok: true,
      record: { state: 'pending', identityDigest: 'd1', stateChangedAt: T1 },
    });
  });

  it('refuses identity events in every state they do not apply to', () => {
    for (const state of DEVICE_STATES) {
      const ensured = nextDeviceRecord(inState(state), { type: 'identity-ensured', outcome: 'unchanged', digest: 'd2' }, T1);
      const failed = nextDeviceRecord(inState(state), { type: 'identity-failed', reason: 'x' }, T1);
      const outdated = nextDeviceRecord(inState(state), { type: 'identity-outdated' }, T1);
      expect(ensured.ok).toBe(state === 'pending');
      expect(failed.ok).toBe(state === 'pending');
      expect(outdated.ok).toBe(state === 'identity-created');
    }
    expect(nextDeviceRecord(inState('verified'), { type: 'identity-outdated' }, T1)).toEqual({
      ok: false,
      problem: 'device dev-1 is verified: identity-outdated does not apply',
    });
  });
});

describe('identityStepFor', () => {
  it('ensures a device never seen, or still pending', () => {
    expect(identityStepFor(undefined, 'd1')).toEqual({ kind: 'ensure', outdated: false });
    expect(identityStepFor(inState('pending', null), 'd1')).toEqual({ kind: 'ensure', outdated: false });
  });

  it('skips an ensured identity the plan still wants, and ensures it again when the plan changed it', () => {
    expect(identityStepFor(inState('identity-created', 'd1'), 'd1')).toEqual({ kind: 'done' });
    expect(identityStepFor(inState('identity-created', 'd1'), 'd2')).toEqual({ kind: 'ensure', outdated: true });
  });

  it('never touches the identity of a device already in the rollout', () => {
    for (const state of DEVICE_STATES.filter((candidate) => candidate !== 'pending' && candidate !== 'identity-created')) {
      expect(identityStepFor(inState(state, 'd1'), 'd1')).toEqual({ kind: 'done' });
      expect(identityStepFor(inState(state, 'd1'), 'd2')).toEqual({ kind: 'locked', state });
    }
  });
});

describe('nextDeviceRecord in the rollout', () => {
  const queued = (from: DeviceRecord = inState('identity-created')) => {
    const result = nextDeviceRecord(from, { type: 'job-queued', jobId: 'iotmigrate-w1', wave: 1, firmwareBefore: '1.0.0' }, T1);
    if (!result.ok) throw new Error(result.problem);
    return result.record;
  };

  it('queues a device with its job, wave and the firmware it runs, counting the attempt', () => {
    expect(queued()).toMatchObject({ state: 'job-queued', jobId: 'iotmigrate-w1', wave: 1, rolloutAttempts: 1, firmwareBefore: '1.0.0', stateChangedAt: T1 });
  });

  it('lets observations skip steps forward, repeats change nothing, and never goes back', () => {
    const installed = nextDeviceRecord(queued(), { type: 'progressed', to: 'installed' }, T1);
    expect(installed).toMatchObject({ ok: true, record: { state: 'installed' } });
    if (!installed.ok) return;
    expect(nextDeviceRecord(installed.record, { type: 'progressed', to: 'installed' }, T1)).toEqual({ ok: true, record: installed.record });
    expect(nextDeviceRecord(installed.record, { type: 'progressed', to: 'downloading' }, T1)).toMatchObject({ ok: false });
    expect(nextDeviceRecord(installed.record, { type: 'verified', firmwareAfter: '1.0.0-azure' }, T1)).toMatchObject({
      ok: true,
      record: { state: 'verified', firmwareAfter: '1.0.0-azure', firmwareBefore: '1.0.0', reason: null },
    });
  });

  it('rolls back an in-flight device, takes it again in a retry wave, and quarantines only a rolled-back one', () => {
    const rolledBack = nextDeviceRecord(queued(), { type: 'rolled-back', reason: 'IoT Hub refused the connection' }, T1);
    expect(rolledBack).toMatchObject({ ok: true, record: { state: 'rolled-back', reason: 'IoT Hub refused the connection' } });
    if (!rolledBack.ok) return;
    const retried = nextDeviceRecord(rolledBack.record, { type: 'job-queued', jobId: 'iotmigrate-r1', wave: 4, firmwareBefore: '9.9.9' }, T1);
    expect(retried).toMatchObject({ ok: true, record: { state: 'job-queued', wave: 4, rolloutAttempts: 2, firmwareBefore: '1.0.0', reason: null } });
    expect(nextDeviceRecord(rolledBack.record, { type: 'quarantined', reason: 'out of retry waves' }, T1)).toMatchObject({
      ok: true,
      record: { state: 'quarantined' },
    });
    expect(nextDeviceRecord(queued(), { type: 'quarantined', reason: 'x' }, T1).ok).toBe(false);
    expect(nextDeviceRecord(inState('verified'), { type: 'rolled-back', reason: 'x' }, T1).ok).toBe(false);
  });

  it('returns a device whose job was cancelled before it started to identity-created, with the reason', () => {
    expect(nextDeviceRecord(queued(), { type: 'job-canceled', reason: 'wave 1 aborted' }, T1)).toMatchObject({
      ok: true,
      record: { state: 'identity-created', reason: 'wave 1 aborted', jobId: 'iotmigrate-w1' },
    });
    expect(nextDeviceRecord(inState('downloading'), { type: 'job-canceled', reason: 'x' }, T1).ok).toBe(false);
  });
});

describe('nextDeviceRecord for a device the clouds disagree on', () => {
  it('keeps an in-flight device where it is with the disagreement as its reason, and verification clears it', () => {
    const unconfirmed = nextDeviceRecord(inState('azure-connected'), { type: 'unconfirmed', reason: 'SUCCEEDED on AWS, not connected on IoT Hub' }, T1);
    expect(unconfirmed).toMatchObject({ ok: true, record: { state: 'azure-connected', reason: 'SUCCEEDED on AWS, not connected on IoT Hub', stateChangedAt: T0, updatedAt: T1 } });
    if (!unconfirmed.ok) return;
    expect(nextDeviceRecord(unconfirmed.record, { type: 'verified', firmwareAfter: '2.0.0' }, T1)).toMatchObject({ ok: true, record: { state: 'verified', reason: null } });
    expect(nextDeviceRecord(inState('verified'), { type: 'unconfirmed', reason: 'x' }, T1).ok).toBe(false);
  });
});
