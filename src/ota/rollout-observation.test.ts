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
  executionCounts: undefined,
  ...changes,
});
const record = (state: DeviceState): DeviceRecord => ({ ...enrolledDevice('dev-1', '2026-01-01T00:00:00Z'), state, jobId: 'iotmigrate-0a1b2c3d-w1', wave: 1 });
const execution = (status: ExecutionView['status'], changes: Partial<ExecutionView> = {}): ExecutionView => ({
  status,
  retryAttempt: 0,
  queuedAt: NOW - 2_000,
  lastUpdatedAt: NOW - 1_000,
  statusDetails: undefined,
  ...changes,
});

function observe(changes: Partial<DeviceObservation>) {
  return observeDevice({ record: record('job-queued'), job: job(), execution: undefined, hub: undefined, targetVersion: '2.0.0', verifyGraceMs: 60_000, queuedLimitMs: 600_000, now: NOW, ...changes });
}

/** The state events an observation asks for (none for an overdue device, which the watch loop cancels first). */
function eventsOf(changes: Partial<DeviceObservation>) {
  const outcome = observe(changes);
  return outcome.kind === 'overdue' ? [] : outcome.events;
}

describe('observeDevice', () => {
  it('waits while AWS has not released the execution, and while it is queued', () => {
    expect(observe({})).toEqual({ kind: 'events', events: [] });
    expect(observe({ execution: execution('QUEUED') })).toEqual({ kind: 'events', events: [] });
  });

  it("follows the agent's steps forward, never back", () => {
    const at = (step: string, state: DeviceState = 'job-queued') =>
      eventsOf({ record: record(state), execution: execution('IN_PROGRESS', { statusDetails: { step } }) });
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
    expect(eventsOf({ record: record('installed'), execution: succeeded, hub: { connected: true, firmwareVersion: '2.0.0' } })).toEqual([
      { type: 'verified', firmwareAfter: '2.0.0' },
    ]);
    // Both clouds must agree: one side alone is not enough.
    expect(eventsOf({ record: record('installed'), execution: succeeded, hub: { connected: false, firmwareVersion: '2.0.0' } })).toEqual([]);
    expect(eventsOf({ record: record('installed'), execution: succeeded, hub: { connected: true, firmwareVersion: '1.4.2' } })).toEqual([
      { type: 'progressed', to: 'azure-connected' },
    ]);
    const inProgress = execution('IN_PROGRESS', { statusDetails: { step: 'connecting-azure' } });
    expect(eventsOf({ record: record('installed'), execution: inProgress, hub: { connected: true, firmwareVersion: '2.0.0' } })).toEqual([
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
    expect(eventsOf({ record: record('installed'), execution: failed })).toEqual([]);
    expect(eventsOf({ record: record('installed'), execution: { ...failed, retryAttempt: 2 } })).toEqual([
      { type: 'rolled-back', reason: 'FAILED: IoT Hub not reached within 300 s' },
    ]);
    expect(eventsOf({ record: record('installed'), execution: failed, job: job({ status: 'COMPLETED' }) })).toEqual([
      { type: 'rolled-back', reason: 'FAILED: IoT Hub not reached within 300 s' },
    ]);
    expect(eventsOf({ record: record('downloading'), execution: execution('REJECTED', { statusDetails: { step: 'rejected', reason: 'battery low' } }) })).toEqual([
      { type: 'rolled-back', reason: 'REJECTED: battery low' },
    ]);
    expect(eventsOf({ record: record('downloading'), execution: execution('TIMED_OUT', { retryAttempt: 2, statusDetails: { step: 'downloading' } }) })).toEqual([
      { type: 'rolled-back', reason: "TIMED_OUT at downloading: in progress longer than the job's 30 minute timeout" },
    ]);
  });

  it('sends devices AWS canceled before they started back to identity-created, with why', () => {
    const aborted = job({ status: 'CANCELED', endedBecause: 'Aborted: ALL executions reached 10%' });
    expect(eventsOf({ job: aborted })).toEqual([
      { type: 'job-canceled', reason: 'job iotmigrate-0a1b2c3d-w1 ended (CANCELED) before the device was notified: Aborted: ALL executions reached 10%' },
    ]);
    expect(eventsOf({ job: aborted, execution: execution('CANCELED') })).toEqual([
      { type: 'job-canceled', reason: 'execution CANCELED on AWS before the device started it: Aborted: ALL executions reached 10%' },
    ]);
    expect(eventsOf({ record: record('downloading'), job: aborted, execution: execution('CANCELED') })).toEqual([
      { type: 'rolled-back', reason: 'execution CANCELED on AWS while the device was downloading: Aborted: ALL executions reached 10%' },
    ]);
  });

  it('gives up on an execution the device never takes (AWS has no queued timeout), while the job runs', () => {
    const stale = execution('QUEUED', { queuedAt: NOW - 601_000 });
    expect(observe({ execution: stale })).toEqual({ kind: 'overdue', reason: 'QUEUED: the device did not take the job within 10 minutes (offline?)' });
    expect(observe({ execution: execution('QUEUED', { queuedAt: NOW - 599_000 }) })).toEqual({ kind: 'events', events: [] });
  });

  it('ignores devices that are not in flight', () => {
    expect(eventsOf({ record: record('verified'), execution: execution('SUCCEEDED'), hub: { connected: true, firmwareVersion: '2.0.0' } })).toEqual([]);
  });
});
