import { describe, expect, it } from 'vitest';
import type { EstateJob } from '../estate.js';
import {
  advanceJob,
  cancelExecution,
  cancelJob,
  countExecutions,
  initialRolloutState,
  pendingExecutions,
  processCounts,
  startNextPending,
  updateExecution,
} from './job-engine.js';

const things = (count: number) => Array.from({ length: count }, (_, index) => `t${index + 1}`);

function job(overrides: Partial<EstateJob> = {}, targets = things(5), now = 0): EstateJob {
  const created: EstateJob = {
    jobId: 'ota',
    jobArn: 'arn:aws:iot:us-east-1:123456789012:job/ota',
    status: 'IN_PROGRESS',
    targetSelection: 'SNAPSHOT',
    targets: [],
    document: '{}',
    createdAt: now,
    lastUpdatedAt: now,
    rollout: initialRolloutState(undefined, [], now),
    executions: {},
    executionCounts: {},
    ...overrides,
  };
  created.rollout = initialRolloutState(created.jobExecutionsRolloutConfig, targets, now);
  return created;
}

const released = (subject: EstateJob) => Object.keys(subject.executions).sort();
/** The counts the engine keeps as it goes must match a fresh count of the executions. */
const expectCountsInStep = (subject: EstateJob) =>
  expect(processCounts(subject)).toEqual(processCounts({ ...subject, executionCounts: countExecutions(subject.executions) }));
const update = (subject: EstateJob, thingName: string, status: string, now: number) => {
  const result = updateExecution(subject, thingName, { status }, now);
  if ('code' in result) throw new Error(result.message);
  return result;
};

describe('job engine: rollout', () => {
  it('releases at most maximumPerMinute executions in each minute', () => {
    const subject = job({ jobExecutionsRolloutConfig: { maximumPerMinute: 2 } });
    expect([...advanceJob(subject, 0)]).toEqual(['t1', 't2']);
    expect(advanceJob(subject, 30).size).toBe(0);
    expect(advanceJob(subject, 59.9).size).toBe(0);
    expect([...advanceJob(subject, 60)]).toEqual(['t3', 't4']);
    expect([...advanceJob(subject, 120)]).toEqual(['t5']);
    expect(released(subject)).toEqual(things(5));
    expect(subject.executions.t5).toMatchObject({ status: 'QUEUED', queuedAt: 120, versionNumber: 1, executionNumber: 1, retryAttempt: 0 });
  });

  it('raises an exponential rate by its factor when enough things were notified, up to maximumPerMinute', () => {
    const subject = job(
      {
        jobExecutionsRolloutConfig: {
          maximumPerMinute: 5,
          exponentialRate: { baseRatePerMinute: 1, incrementFactor: 2, rateIncreaseCriteria: { numberOfNotifiedThings: 1 } },
        },
      },
      things(20),
    );
    // 1 released → rate 2 → a second fits the same minute → rate 4 → ... capped at 5.
    advanceJob(subject, 0);
    expect(subject.rollout.ratePerMinute).toBe(5);
    expect(released(subject)).toHaveLength(5);
    advanceJob(subject, 60);
    expect(released(subject)).toHaveLength(10);
  });

  it('raises the rate on succeeded things', () => {
    const subject = job(
      { jobExecutionsRolloutConfig: { exponentialRate: { baseRatePerMinute: 1, incrementFactor: 1.5, rateIncreaseCriteria: { numberOfSucceededThings: 1 } } } },
      things(4),
    );
    advanceJob(subject, 0);
    expect(released(subject)).toEqual(['t1']);
    update(subject, 't1', 'SUCCEEDED', 1);
    expect(subject.rollout.ratePerMinute).toBe(2);
    advanceJob(subject, 2);
    expect(released(subject)).toEqual(['t1', 't2']);
  });

  it('completes a SNAPSHOT job once every execution is terminal, never a CONTINUOUS one', () => {
    const snapshot = job({}, things(2));
    advanceJob(snapshot, 0);
    update(snapshot, 't1', 'SUCCEEDED', 5);
    expect(snapshot.status).toBe('IN_PROGRESS');
    update(snapshot, 't2', 'REJECTED', 6);
    expect(snapshot).toMatchObject({ status: 'COMPLETED', completedAt: 6 });

    const continuous = job({ targetSelection: 'CONTINUOUS' }, things(1));
    advanceJob(continuous, 0);
    update(continuous, 't1', 'SUCCEEDED', 1);
    expect(continuous.status).toBe('IN_PROGRESS');
    expect([...advanceJob(continuous, 2, ['t1', 'late'])]).toEqual(['late']);
  });
});

describe('job engine: executions', () => {
  it('orders pending executions IN_PROGRESS first, then QUEUED by queue time, and starts the next', () => {
    const first = job({ jobId: 'a' }, ['t1'], 0);
    const second = job({ jobId: 'b' }, ['t1'], 10);
    advanceJob(first, 0);
    advanceJob(second, 10);
    const jobs = { b: second, a: first };
    expect(pendingExecutions(Object.values(jobs), 't1').map((execution) => execution.jobId)).toEqual(['a', 'b']);
    const started = startNextPending(jobs, 't1', { statusDetails: { step: 'downloading' } }, 20)!;
    expect(started.execution).toMatchObject({ jobId: 'a', status: 'IN_PROGRESS', startedAt: 20, versionNumber: 2, statusDetails: { step: 'downloading' } });
    expect(startNextPending(jobs, 't1', {}, 21)!.execution).toBe(started.execution);
    update(second, 't1', 'IN_PROGRESS', 22);
    update(first, 't1', 'SUCCEEDED', 23);
    expect(pendingExecutions(Object.values(jobs), 't1').map((execution) => execution.jobId)).toEqual(['b']);
  });

  it('checks the expected version and refuses updates after a terminal status', () => {
    const subject = job({}, ['t1']);
    advanceJob(subject, 0);
    expect(updateExecution(subject, 't1', { status: 'IN_PROGRESS', expectedVersion: 3 }, 1)).toMatchObject({ code: 'VersionMismatch' });
    expect(updateExecution(subject, 't1', { status: 'QUEUED' }, 1)).toMatchObject({ code: 'InvalidStateTransition' });
    expect(updateExecution(subject, 't1', { status: 'DONE' }, 1)).toMatchObject({ code: 'InvalidRequest' });
    expect(updateExecution(subject, 'other', { status: 'SUCCEEDED' }, 1)).toMatchObject({ code: 'ResourceNotFound' });
    update(subject, 't1', 'SUCCEEDED', 1);
    expect(updateExecution(subject, 't1', { status: 'IN_PROGRESS' }, 2)).toMatchObject({ code: 'InvalidStateTransition' });
  });

  it('times out an IN_PROGRESS execution after inProgressTimeoutInMinutes or its step timer', () => {
    const subject = job({ timeoutConfig: { inProgressTimeoutInMinutes: 10 } }, ['t1', 't2']);
    advanceJob(subject, 0);
    update(subject, 't1', 'IN_PROGRESS', 0);
    updateExecution(subject, 't2', { status: 'IN_PROGRESS', stepTimeoutInMinutes: 2 }, 0);
    expect([...advanceJob(subject, 119)]).toEqual([]);
    expect([...advanceJob(subject, 120)]).toEqual(['t2']);
    expect(subject.executions.t2!.status).toBe('TIMED_OUT');
    expect(advanceJob(subject, 599).size).toBe(0);
    advanceJob(subject, 600);
    expect(subject.executions.t1!.status).toBe('TIMED_OUT');
    expect(updateExecution(subject, 't1', { status: 'SUCCEEDED' }, 601)).toMatchObject({ code: 'TerminalStateReached' });
    expect(subject.status).toBe('COMPLETED');
    expect(processCounts(subject)).toMatchObject({ numberOfTimedOutThings: 2, numberOfSucceededThings: 0 });
    expectCountsInStep(subject);
  });

  it('re-queues a failed or timed-out execution while retries remain', () => {
    const subject = job(
      {
        timeoutConfig: { inProgressTimeoutInMinutes: 1 },
        jobExecutionsRetryConfig: { criteriaList: [{ failureType: 'FAILED', numberOfRetries: 1 }, { failureType: 'TIMED_OUT', numberOfRetries: 2 }] },
      },
      ['t1', 't2'],
    );
    advanceJob(subject, 0);
    update(subject, 't1', 'FAILED', 1);
    expect(subject.executions.t1).toMatchObject({ status: 'QUEUED', executionNumber: 2, retryAttempt: 1, versionNumber: 1, queuedAt: 1 });
    update(subject, 't1', 'FAILED', 2);
    expect(subject.executions.t1).toMatchObject({ status: 'FAILED', executionNumber: 2 });

    update(subject, 't2', 'IN_PROGRESS', 0);
    expect([...advanceJob(subject, 60)]).toEqual(['t2']);
    expect(subject.executions.t2).toMatchObject({ status: 'QUEUED', executionNumber: 2, retryAttempt: 1 });
    expectCountsInStep(subject);
  });

  it('aborts on the threshold: QUEUED executions are canceled, IN_PROGRESS ones run on', () => {
    const subject = job({ abortConfig: { criteriaList: [{ failureType: 'ALL', action: 'CANCEL', thresholdPercentage: 50, minNumberOfExecutedThings: 4 }] } }, things(4));
    advanceJob(subject, 0);
    update(subject, 't1', 'FAILED', 1);
    update(subject, 't2', 'IN_PROGRESS', 1);
    expect(subject.status).toBe('IN_PROGRESS');
    const { touched } = update(subject, 't3', 'REJECTED', 2);
    expect(subject.status).toBe('CANCELED');
    expect(subject.comment).toMatch(/^Aborted/);
    expect([...touched].sort()).toEqual(['t3', 't4']);
    expect(subject.executions.t4!.status).toBe('CANCELED');
    expect(subject.executions.t2!.status).toBe('IN_PROGRESS');
    update(subject, 't2', 'SUCCEEDED', 3);
    expectCountsInStep(subject);
  });

  it('does not abort before minNumberOfExecutedThings were notified', () => {
    const subject = job(
      {
        jobExecutionsRolloutConfig: { maximumPerMinute: 1 },
        abortConfig: { criteriaList: [{ failureType: 'FAILED', action: 'CANCEL', thresholdPercentage: 10, minNumberOfExecutedThings: 2 }] },
      },
      things(3),
    );
    advanceJob(subject, 0);
    update(subject, 't1', 'FAILED', 1);
    expect(subject.status).toBe('IN_PROGRESS');
  });
});

describe('job engine: cancel', () => {
  it('CancelJob cancels QUEUED executions and stops the rollout; force cancels IN_PROGRESS ones too', () => {
    const subject = job({ jobExecutionsRolloutConfig: { maximumPerMinute: 2 } }, things(4));
    advanceJob(subject, 0);
    update(subject, 't1', 'IN_PROGRESS', 1);
    const touched = cancelJob(subject, { force: false, reasonCode: 'BAD_BUNDLE', comment: 'wrong build' }, 2);
    expect(touched).toEqual(new Set(['t2']));
    expect(subject).toMatchObject({ status: 'CANCELED', forceCanceled: false, reasonCode: 'BAD_BUNDLE', comment: 'wrong build' });
    expect(subject.executions.t1!.status).toBe('IN_PROGRESS');
    advanceJob(subject, 120);
    expect(released(subject)).toEqual(['t1', 't2']);
    expect(cancelJob(subject, { force: true }, 3)).toEqual(new Set(['t1']));
    expect(subject.executions.t1).toMatchObject({ status: 'CANCELED', forceCanceled: true });
    expect(processCounts(subject)).toMatchObject({ numberOfCanceledThings: 2 });
    expectCountsInStep(subject);
  });

  it('CancelJobExecution needs force for an IN_PROGRESS execution', () => {
    const subject = job({}, ['t1', 't2']);
    advanceJob(subject, 0);
    update(subject, 't1', 'IN_PROGRESS', 1);
    expect(cancelExecution(subject, 't1', { force: false }, 2)).toMatchObject({ code: 'InvalidStateTransition' });
    expect(cancelExecution(subject, 't1', { force: true, expectedVersion: 1 }, 2)).toMatchObject({ code: 'VersionMismatch' });
    expect(cancelExecution(subject, 't1', { force: true }, 2)).toMatchObject({ status: 'CANCELED', forceCanceled: true });
    expect(cancelExecution(subject, 't2', { force: false }, 3)).toMatchObject({ status: 'CANCELED' });
    expect(subject.status).toBe('COMPLETED');
    expect(cancelExecution(subject, 't2', { force: false }, 4)).toMatchObject({ code: 'TerminalStateReached' });
    expectCountsInStep(subject);
  });
});
