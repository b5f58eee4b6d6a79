import { describe, expect, it } from 'vitest';
import { enrolledDevice, type DeviceRecord, type DeviceState } from '../state/device-state.js';
import { coolDownEndsAt, plannedWaves, retryCandidates, retryWave, successPercent, waveEvent, waveGate } from './rollout-waves.js';
import { rolloutSettingsFor } from './rollout-settings.js';

const device = (deviceId: string, state: DeviceState, wave: number | null, stateChangedAt = '2026-01-01T00:00:00.000Z'): DeviceRecord => ({
  ...enrolledDevice(deviceId, '2026-01-01T00:00:00.000Z'),
  state,
  wave,
  stateChangedAt,
});

describe('waveGate', () => {
  it('lets the next wave start while failures among finished devices are at most the threshold', () => {
    expect(waveGate({ name: 'canary' }, { verified: 9, rolledBack: 1 }, 10)).toEqual({ pass: true, failurePercent: 10 });
    expect(waveGate({ name: 'canary' }, { verified: 0, rolledBack: 0 }, 10)).toEqual({ pass: true, failurePercent: null });
  });

  it('stops above it, saying how many of how many', () => {
    expect(waveGate({ name: 'wave-2' }, { verified: 8, rolledBack: 2 }, 10)).toEqual({
      pass: false,
      failurePercent: 20,
      reason: '2 of 10 devices of wave-2 rolled back (20%), above the 10% threshold',
    });
  });
});

describe('retry waves', () => {
  it('follow the planned waves and take every device rolled back by an earlier wave', () => {
    const first = retryWave(3, 1);
    expect(first).toEqual({ index: 4, name: 'retry-1', key: { kind: 'retry', number: 1 } });
    const records = [device('a', 'rolled-back', 1), device('b', 'verified', 2), device('c', 'rolled-back', 3), device('d', 'rolled-back', 4), device('e', 'identity-created', null)];
    expect(retryCandidates(records, first).map((record) => record.deviceId)).toEqual(['a', 'c']);
    // d was rolled back again by retry-1: it waits for retry-2.
    expect(retryCandidates(records, retryWave(3, 2)).map((record) => record.deviceId)).toEqual(['a', 'c', 'd']);
  });

  it('start a cool-down after the latest rollback, so a re-run waits only for what is left', () => {
    const records = [device('a', 'rolled-back', 1, '2026-01-01T00:00:00.000Z'), device('b', 'rolled-back', 1, '2026-01-01T00:01:00.000Z')];
    expect(coolDownEndsAt(records, 300)).toBe(Date.parse('2026-01-01T00:06:00.000Z'));
  });
});

describe('wave events', () => {
  it('carry the counts present, the success rate and the limits the wave runs under', () => {
    const plan = {
      waves: { canaryPercent: 1, canaryMinimum: 1, growthFactor: 2, maximumWaveSize: 10, list: [{ index: 1, name: 'canary', deviceIds: ['a', 'b'] }] },
    };
    const [canary] = plannedWaves(plan);
    const counts = { pending: 0, 'identity-created': 0, 'job-queued': 1, downloading: 0, installed: 0, 'azure-connected': 0, verified: 3, 'rolled-back': 1, quarantined: 0 };
    const settings = rolloutSettingsFor(
      {
        maximumPerMinute: 100,
        abort: { failureType: 'ALL', thresholdPercentage: 10, minimumExecutedThings: 5 },
        inProgressTimeoutMinutes: 30,
        retries: { failureTypes: ['FAILED'], numberOfRetries: 1 },
        stragglers: { retryWaves: 2, coolDownSeconds: 300 },
        azureConnectTimeoutSeconds: 120,
      },
      { abortThresholdPercent: 25 },
    );
    expect(successPercent(counts)).toBe(75);
    expect(waveEvent(canary!, counts, 'running', settings, { jobId: 'j1' })).toEqual({
      type: 'wave',
      wave: 1,
      name: 'canary',
      status: 'running',
      jobId: 'j1',
      devices: 5,
      counts: { 'job-queued': 1, verified: 3, 'rolled-back': 1 },
      successPercent: 75,
      abortThresholdPercent: 25,
      maximumPerMinute: 100,
    });
  });
});
