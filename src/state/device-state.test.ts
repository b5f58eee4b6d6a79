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
