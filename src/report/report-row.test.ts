import { describe, expect, it } from 'vitest';
import { enrolledDevice, nextDeviceRecord, type DeviceEvent, type DeviceRecord } from '../state/device-state.js';
import type { DeviceTransition } from '../state/state-store.js';
import { reportRowOf } from './report-row.js';
import { waveNamer } from './wave-names.js';

const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString();

/** Runs events through the real state machine, keeping the history as the store does (a step per state or reason change). */
function replay(events: DeviceEvent[]): { record: DeviceRecord; history: DeviceTransition[] } {
  let record = enrolledDevice('dev-1', at(0));
  const history: DeviceTransition[] = [];
  events.forEach((event, index) => {
    const transition = nextDeviceRecord(record, event, at(index + 1));
    if (!transition.ok) throw new Error(transition.problem);
    const next = transition.record;
    if (next.state !== record.state || next.reason !== record.reason) {
      history.push({ at: at(index + 1), from: record.state, to: next.state, event: event.type, reason: next.reason });
    }
    record = next;
  });
  return { record, history };
}

const names = waveNamer([
  { index: 1, name: 'canary' },
  { index: 2, name: 'wave-2' },
]);

describe('reportRowOf', () => {
  it('reports a pending device with only its enrolment', () => {
    const { record, history } = replay([{ type: 'identity-failed', reason: 'hub throttled' }]);
    expect(reportRowOf(record, history, names)).toEqual({
      deviceId: 'dev-1',
      state: 'pending',
      reason: 'hub throttled',
      wave: null,
      attempts: 0,
      firmwareBefore: null,
      firmwareAfter: null,
      enrolledAt: at(0),
      jobQueuedAt: null,
      verifiedAt: null,
      rolledBackAt: null,
      quarantinedAt: null,
      stateChangedAt: at(0),
    });
  });

  it('takes the latest job of a device that was rolled back and verified in a retry wave', () => {
    const { record, history } = replay([
      { type: 'identity-ensured', outcome: 'created', digest: 'd' },
      { type: 'job-queued', jobId: 'job-1', wave: 2, firmwareBefore: '1.0.0' },
      { type: 'progressed', to: 'downloading' },
      { type: 'rolled-back', reason: 'IoT Hub not reached in 300 s' },
      { type: 'job-queued', jobId: 'job-3', wave: 3, firmwareBefore: '1.0.0' },
      { type: 'progressed', to: 'azure-connected' },
      { type: 'verified', firmwareAfter: '2.0.0' },
    ]);
    expect(reportRowOf(record, history, names)).toMatchObject({
      state: 'verified',
      reason: null,
      wave: { index: 3, name: 'retry-1' },
      attempts: 2,
      firmwareBefore: '1.0.0',
      firmwareAfter: '2.0.0',
      jobQueuedAt: at(5),
      rolledBackAt: at(4),
      verifiedAt: at(7),
      quarantinedAt: null,
      stateChangedAt: at(7),
    });
  });

  it('reports a quarantined device with its last reason and when each step happened', () => {
    const { record, history } = replay([
      { type: 'identity-ensured', outcome: 'created', digest: 'd' },
      { type: 'job-queued', jobId: 'job-1', wave: 1, firmwareBefore: null },
      { type: 'rolled-back', reason: 'bundle signature invalid' },
      { type: 'quarantined', reason: 'out of retry waves: bundle signature invalid' },
    ]);
    expect(reportRowOf(record, history, names)).toMatchObject({
      state: 'quarantined',
      reason: 'out of retry waves: bundle signature invalid',
      wave: { index: 1, name: 'canary' },
      attempts: 1,
      jobQueuedAt: at(2),
      rolledBackAt: at(3),
      quarantinedAt: at(4),
    });
  });
});
