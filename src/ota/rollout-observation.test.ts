import { describe, expect, it } from 'vitest';
import { enrolledDevice, type DeviceRecord, type DeviceState } from '../state/device-state.js';
import { observeDevice, type DeviceObservation, type ExecutionView, type JobView } from './rollout-observation.js';

const NOW = Date.parse('2026-01-01T00:10:00Z');
const job = (changes: Partial<JobView> = {}): JobView => ({
  jobId: 'iotmigrate-0a1b2c3d-w1',
  status: 'IN_PROGRESS',
  endedBecause: undefined,
  retriesFor: () => 2,
  inProgressTimeoutMinutes: 30,
  ...changes,
});
const record = (state: DeviceState): DeviceRecord => ({ ...enrolledDevice('dev-1', '2026-01-01T00:00:00Z'), state, jobId: 'iotmigrate-0a1b2c3d-w1', wave: 1 });
const execution = (status: ExecutionView['status'], changes: Partial<ExecutionView> = {}): ExecutionView => ({
  status,
  retryAttempt: 0,
  lastUpdatedAt: NOW - 1_000,
  statusDetails: undefined,
  ...changes,
});

function observe(changes: Partial<DeviceObservation>) {
  return observeDevice({ record: record('job-queued'), job: job(), execution: undefined, hub: undefined, targetVersion: '2.0.0', verifyGraceMs: 60_000, now: NOW, ...changes });
}

describe('observeDevice', () => {
  it('waits while AWS has not released the execution, and while it is queued', () => {
    expect(observe({})).toEqual({ kind: 'events', events: [] });
    expect(observe({ execution: execution('QUEUED') })).toEqual({ kind: 'events', events: [] });
  });

  it("follows the agent's steps forward, never back", () => {
    const at = (step: string, state: DeviceState = 'job-queued') =>
      observe({ record: record(state), execution: execution('IN_PROGRESS', { statusDetails: { step } }) }).events;
    expect(at('downloading')).toEqual([{ type: 'progressed', to: 'downloading' }]);
    expect(at('installing')).toEqual([{ type: 'progressed', to: 'downloading' }]);
    expect(at('connecting-azure')).toEqual([{ type: 'progressed', to: 'installed' }]);
    // The agent saying it switched is not IoT Hub saying so.
    expect(at('switched', 'downloading')).toEqual([{ type: 'progressed', to: 'installed' }]);
    expect(at('downloading', 'installed')).toEqual([]);
    expect(at('downloading', 'downloading')).toEqual([]);
  });

  it('calls a device verified only when the execution SUCCEEDED and IoT Hub has it Connected on the new firmware', () => {
    const succeeded = execution('SUCCEEDED', { statusDetails: { step: 'switched' } });
    expect(observe({ record: record('installed'), execution: succeeded, hub: { connected: true, firmwareVersion: '2.0.0' } }).events).toEqual([
      { type: 'verified', firmwareAfter: '2.0.0' },
    ]);
    // Both clouds must agree: one side alone is not enough.
    expect(observe({ record: record('installed'), execution: succeeded, hub: { connected: false, firmwareVersion: '2.0.0' } }).events).toEqual([]);
    expect(observe({ record: record('installed'), execution: succeeded, hub: { connected: true, firmwareVersion: '1.4.2' } }).events).toEqual([
      { type: 'progressed', to: 'azure-connected' },
    ]);
    const inProgress = execution('IN_PROGRESS', { statusDetails: { step: 'connecting-azure' } });
    expect(observe({ record: record('installed'), execution: inProgress, hub: { connected: true, firmwareVersion: '2.0.0' } }).events).toEqual([
      { type: 'progressed', to: 'azure-connected' },
    ]);
  });

  it('leaves a SUCCEEDED device unconfirmed when IoT Hub still disagrees after the grace', () => {
    const late = execution('SUCCEEDED', { lastUpdatedAt: NOW - 120_000 });
    expect(observe({ record: record('installed'), execution: late, hub: { connected: false, firmwareVersion: null } })).toEqual({
      kind: 'unconfirmed',
      reason: 'AWS job execution SUCCEEDED, but IoT Hub shows the device Disconnected',
      events: [],
    });
    expect(observe({ record: record('installed'), execution: late, hub: undefined })).toMatchObject({ kind: 'unconfirmed', reason: expect.stringContaining('not on IoT Hub') });
  });

  it("rolls back with the agent's reason once AWS has no retry left, and waits while it has", () => {
    const failed = execution('FAILED', { statusDetails: { step: 'rolled-back', reason: 'IoT Hub not reached within 300 s', firmwareVersion: '1.4.2' } });
    expect(observe({ record: record('installed'), execution: failed }).events).toEqual([]);
    expect(observe({ record: record('installed'), execution: { ...failed, retryAttempt: 2 } }).events).toEqual([
      { type: 'rolled-back', reason: 'FAILED: IoT Hub not reached within 300 s' },
    ]);
    expect(observe({ record: record('installed'), execution: failed, job: job({ status: 'COMPLETED' }) }).events).toEqual([
      { type: 'rolled-back', reason: 'FAILED: IoT Hub not reached within 300 s' },
    ]);
    expect(observe({ record: record('downloading'), execution: execution('REJECTED', { statusDetails: { step: 'rejected', reason: 'battery low' } }) }).events).toEqual([
      { type: 'rolled-back', reason: 'REJECTED: battery low' },
    ]);
    expect(observe({ record: record('downloading'), execution: execution('TIMED_OUT', { retryAttempt: 2, statusDetails: { step: 'downloading' } }) }).events).toEqual([
      { type: 'rolled-back', reason: "TIMED_OUT at downloading: in progress longer than the job's 30 minute timeout" },
    ]);
  });

  it('sends devices AWS canceled before they started back to identity-created, with why', () => {
    const aborted = job({ status: 'CANCELED', endedBecause: 'Aborted: ALL executions reached 10%' });
    expect(observe({ job: aborted }).events).toEqual([
      { type: 'job-canceled', reason: 'job iotmigrate-0a1b2c3d-w1 ended (CANCELED) before the device was notified: Aborted: ALL executions reached 10%' },
    ]);
    expect(observe({ job: aborted, execution: execution('CANCELED') }).events).toEqual([
      { type: 'job-canceled', reason: 'execution CANCELED on AWS before the device started it: Aborted: ALL executions reached 10%' },
    ]);
    expect(observe({ record: record('downloading'), job: aborted, execution: execution('CANCELED') }).events).toEqual([
      { type: 'rolled-back', reason: 'execution CANCELED on AWS while the device was downloading: Aborted: ALL executions reached 10%' },
    ]);
  });

  it('ignores devices that are not in flight', () => {
    expect(observe({ record: record('verified'), execution: execution('SUCCEEDED'), hub: { connected: true, firmwareVersion: '2.0.0' } }).events).toEqual([]);
  });
});
