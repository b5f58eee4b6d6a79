import type {
  EstateJob,
  EstateJobExecution,
  JobExecutionStatus,
  JobFailureType,
  JobRolloutConfig,
  JobRolloutState,
} from '../estate.js';

/**
 * The AWS IoT Jobs engine as plain functions over a job's data: rollout pacing, the
 * execution state machine, timeouts, retries, abort and completion. Nothing here reads a
 * clock or does I/O; callers pass `now` (epoch seconds) and persist what changed, so the
 * rules are tested with a fake clock and the server only has to call them on a timer.
 */

export const TERMINAL_STATUSES: ReadonlySet<JobExecutionStatus> = new Set(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'REJECTED', 'REMOVED', 'CANCELED']);
export const isTerminal = (status: JobExecutionStatus): boolean => TERMINAL_STATUSES.has(status);

/** AWS's ceiling, and default, for executions released per minute. */
export const MAX_ROLLOUT_PER_MINUTE = 1000;
const WINDOW_SECONDS = 60;

export function initialRolloutState(config: JobRolloutConfig | undefined, things: readonly string[], now: number): JobRolloutState {
  return {
    pendingThings: [...things],
    ratePerMinute: config?.exponentialRate?.baseRatePerMinute ?? config?.maximumPerMinute ?? MAX_ROLLOUT_PER_MINUTE,
    windowStartedAt: now,
    releasedInWindow: 0,
    notifiedSinceIncrease: 0,
    succeededSinceIncrease: 0,
  };
}

/**
 * One step of the job's clock: in-progress executions past their timeout turn TIMED_OUT
 * (and are retried or counted against the abort criteria), things added to a CONTINUOUS
 * job's groups join the rollout, the rollout releases what its rate allows, and a
 * SNAPSHOT job whose executions are all terminal completes. Returns the things whose
 * pending executions changed, whose devices AWS would notify.
 */
export function advanceJob(job: EstateJob, now: number, currentTargets?: readonly string[]): Set<string> {
  const touched = new Set<string>();
  for (const execution of Object.values(job.executions)) {
    const deadline = Math.min(execution.inProgressTimesOutAt ?? Infinity, execution.stepTimesOutAt ?? Infinity);
    if (execution.status === 'IN_PROGRESS' && deadline <= now) {
      setStatus(job, execution, 'TIMED_OUT', now);
      touched.add(execution.thingName);
      afterFailure(job, execution, now, touched);
    }
  }
  if (job.status !== 'IN_PROGRESS') return touched;
  if (job.targetSelection === 'CONTINUOUS' && currentTargets) {
    const pending = new Set(job.rollout.pendingThings);
    for (const thingName of currentTargets) {
      if (!job.executions[thingName] && !pending.has(thingName)) job.rollout.pendingThings.push(thingName);
    }
  }
  release(job, now, touched);
  completeIfDone(job, now);
  return touched;
}

/** Releases queued executions to devices, at most `ratePerMinute` in each one-minute window. */
function release(job: EstateJob, now: number, touched: Set<string>): void {
  const rollout = job.rollout;
  if (now - rollout.windowStartedAt >= WINDOW_SECONDS) {
    rollout.windowStartedAt = now;
    rollout.releasedInWindow = 0;
  }
  let released = 0;
  while (released < rollout.pendingThings.length && rollout.releasedInWindow < rollout.ratePerMinute) {
    const thingName = rollout.pendingThings[released]!;
    putExecution(job, newExecution(job.jobId, thingName, 1, 0, now));
    released += 1;
    rollout.releasedInWindow += 1;
    rollout.notifiedSinceIncrease += 1;
    touched.add(thingName);
    raiseRateIfDue(job);
  }
  // One splice per step, not a shift per thing: a 10,000-thing rollout would be quadratic.
  rollout.pendingThings.splice(0, released);
}

/** The exponential rollout: the rate grows by its factor each time a criterion is met, up to maximumPerMinute. */
function raiseRateIfDue(job: EstateJob): void {
  const exponential = job.jobExecutionsRolloutConfig?.exponentialRate;
  if (!exponential) return;
  const rollout = job.rollout;
  const { numberOfNotifiedThings, numberOfSucceededThings } = exponential.rateIncreaseCriteria;
  const due =
    (numberOfNotifiedThings !== undefined && rollout.notifiedSinceIncrease >= numberOfNotifiedThings) ||
    (numberOfSucceededThings !== undefined && rollout.succeededSinceIncrease >= numberOfSucceededThings);
  if (!due) return;
  const ceiling = job.jobExecutionsRolloutConfig?.maximumPerMinute ?? MAX_ROLLOUT_PER_MINUTE;
  rollout.ratePerMinute = Math.min(ceiling, Math.ceil(rollout.ratePerMinute * exponential.incrementFactor));
  rollout.notifiedSinceIncrease = 0;
  rollout.succeededSinceIncrease = 0;
}

function completeIfDone(job: EstateJob, now: number): void {
  if (job.status !== 'IN_PROGRESS' || job.targetSelection === 'CONTINUOUS' || job.rollout.pendingThings.length > 0) return;
  if (countOf(job, 'QUEUED') + countOf(job, 'IN_PROGRESS') > 0) return;
  job.status = 'COMPLETED';
  job.completedAt = now;
  job.lastUpdatedAt = now;
}

function newExecution(jobId: string, thingName: string, executionNumber: number, retryAttempt: number, now: number): EstateJobExecution {
  return { jobId, thingName, status: 'QUEUED', statusDetails: {}, queuedAt: now, lastUpdatedAt: now, versionNumber: 1, executionNumber, retryAttempt };
}

const countOf = (job: EstateJob, status: JobExecutionStatus) => job.executionCounts[status] ?? 0;

function adjustCount(job: EstateJob, status: JobExecutionStatus, by: number): void {
  job.executionCounts[status] = countOf(job, status) + by;
}

/** Adds a thing's execution, or replaces its earlier attempt, keeping the counts in step. */
function putExecution(job: EstateJob, execution: EstateJobExecution): void {
  const previous = job.executions[execution.thingName];
  if (previous) adjustCount(job, previous.status, -1);
  job.executions[execution.thingName] = execution;
  adjustCount(job, execution.status, 1);
}

function setStatus(job: EstateJob, execution: EstateJobExecution, status: JobExecutionStatus, now: number): void {
  adjustCount(job, execution.status, -1);
  adjustCount(job, status, 1);
  execution.status = status;
  execution.versionNumber += 1;
  execution.lastUpdatedAt = now;
  if (isTerminal(status)) {
    delete execution.inProgressTimesOutAt;
    delete execution.stepTimesOutAt;
  }
}

/**
 * A FAILED or TIMED_OUT execution is queued again while the retry config allows another
 * attempt (as a new execution number); only a failure with no retry left counts towards
 * the abort criteria, as AWS counts it.
 */
function afterFailure(job: EstateJob, execution: EstateJobExecution, now: number, touched: Set<string>): void {
  const retries = job.status === 'IN_PROGRESS' ? retriesAllowed(job, execution.status) : 0;
  if (execution.retryAttempt < retries) {
    putExecution(job, newExecution(job.jobId, execution.thingName, execution.executionNumber + 1, execution.retryAttempt + 1, now));
    touched.add(execution.thingName);
    return;
  }
  abortIfThresholdBreached(job, now, touched);
}

function retriesAllowed(job: EstateJob, status: JobExecutionStatus): number {
  const criteria = job.jobExecutionsRetryConfig?.criteriaList ?? [];
  const specific = criteria.find((criterion) => criterion.failureType === status);
  return (specific ?? criteria.find((criterion) => criterion.failureType === 'ALL'))?.numberOfRetries ?? 0;
}

const FAILURES: Record<JobFailureType, readonly JobExecutionStatus[]> = {
  FAILED: ['FAILED'],
  REJECTED: ['REJECTED'],
  TIMED_OUT: ['TIMED_OUT'],
  ALL: ['FAILED', 'REJECTED', 'TIMED_OUT'],
};

/**
 * The abort config: once at least minNumberOfExecutedThings have been notified, failures
 * of the criterion's type at or above thresholdPercentage of them cancel the job. Like
 * AWS, that cancels only QUEUED executions (and stops the rollout); IN_PROGRESS ones run on.
 */
function abortIfThresholdBreached(job: EstateJob, now: number, touched: Set<string>): void {
  if (job.status !== 'IN_PROGRESS') return;
  const notified = Object.values(job.executionCounts).reduce((sum, count) => sum + count, 0);
  const breached = (job.abortConfig?.criteriaList ?? []).find((criterion) => {
    if (notified < criterion.minNumberOfExecutedThings) return false;
    const failures = FAILURES[criterion.failureType].reduce((sum, status) => sum + countOf(job, status), 0);
    return (failures * 100) / notified >= criterion.thresholdPercentage;
  });
  if (!breached) return;
  cancelQueued(job, now, touched);
  job.status = 'CANCELED';
  job.lastUpdatedAt = now;
  job.comment = `Aborted: ${breached.failureType} executions reached ${breached.thresholdPercentage}% of at least ${breached.minNumberOfExecutedThings} notified things`;
}

function cancelQueued(job: EstateJob, now: number, touched: Set<string>): void {
  job.rollout.pendingThings = [];
  for (const execution of Object.values(job.executions)) {
    if (execution.status !== 'QUEUED') continue;
    setStatus(job, execution, 'CANCELED', now);
    touched.add(execution.thingName);
  }
}

export type JobsErrorCode = 'InvalidStateTransition' | 'ResourceNotFound' | 'InvalidRequest' | 'TerminalStateReached' | 'VersionMismatch';

export interface JobsError {
  code: JobsErrorCode;
  message: string;
  execution?: EstateJobExecution;
}

export interface ExecutionUpdate {
  status: string;
  statusDetails?: Record<string, string>;
  expectedVersion?: number;
  executionNumber?: number;
  stepTimeoutInMinutes?: number;
}

const KNOWN_STATUSES: ReadonlySet<string> = new Set(['QUEUED', ...TERMINAL_STATUSES, 'IN_PROGRESS']);
const DEVICE_STATUSES: readonly JobExecutionStatus[] = ['IN_PROGRESS', 'SUCCEEDED', 'FAILED', 'REJECTED'];
/** Terminal statuses only the service sets; an update arriving after one is too late rather than invalid. */
const SERVICE_TERMINAL: readonly JobExecutionStatus[] = ['TIMED_OUT', 'CANCELED', 'REMOVED'];

/**
 * A device's UpdateJobExecution. Devices may move a pending execution to IN_PROGRESS,
 * SUCCEEDED, FAILED or REJECTED; starting one sets its in-progress timeout, a step
 * timeout (re)starts the step timer. Returns the updated execution and the things
 * whose pending list changed, or the error the Jobs API answers with.
 */
export function updateExecution(
  job: EstateJob,
  thingName: string,
  update: ExecutionUpdate,
  now: number,
): { execution: EstateJobExecution; touched: Set<string> } | JobsError {
  const execution = job.executions[thingName];
  if (!execution || (update.executionNumber !== undefined && update.executionNumber !== execution.executionNumber)) {
    return { code: 'ResourceNotFound', message: `Job execution ${job.jobId} for thing ${thingName} not found` };
  }
  if (!KNOWN_STATUSES.has(update.status)) return { code: 'InvalidRequest', message: `Invalid status: ${update.status}` };
  if (update.expectedVersion !== undefined && update.expectedVersion !== execution.versionNumber) {
    return { code: 'VersionMismatch', message: `Expected version ${update.expectedVersion} does not match ${execution.versionNumber}`, execution };
  }
  if (SERVICE_TERMINAL.includes(execution.status)) {
    return { code: 'TerminalStateReached', message: `Job execution is ${execution.status}`, execution };
  }
  const status = update.status as JobExecutionStatus;
  if (isTerminal(execution.status) || !DEVICE_STATUSES.includes(status)) {
    return { code: 'InvalidStateTransition', message: `Cannot update job execution from ${execution.status} to ${status}`, execution };
  }
  const touched = new Set<string>();
  const wasQueued = execution.status === 'QUEUED';
  setStatus(job, execution, status, now);
  if (update.statusDetails) execution.statusDetails = update.statusDetails;
  if (status === 'IN_PROGRESS') {
    if (wasQueued) startTimers(job, execution, now);
    if (update.stepTimeoutInMinutes !== undefined) execution.stepTimesOutAt = now + update.stepTimeoutInMinutes * 60;
  }
  // The head of the device's pending list changes when a queued execution starts or any ends.
  if (wasQueued || isTerminal(status)) touched.add(thingName);
  if (status === 'SUCCEEDED') {
    job.rollout.succeededSinceIncrease += 1;
    raiseRateIfDue(job);
  }
  if (status === 'FAILED') afterFailure(job, execution, now, touched);
  if (status === 'REJECTED') abortIfThresholdBreached(job, now, touched);
  completeIfDone(job, now);
  return { execution, touched };
}

function startTimers(job: EstateJob, execution: EstateJobExecution, now: number): void {
  execution.startedAt = now;
  const minutes = job.timeoutConfig?.inProgressTimeoutInMinutes;
  if (minutes !== undefined) execution.inProgressTimesOutAt = now + minutes * 60;
}

/** The device's pending executions as the Jobs API orders them: IN_PROGRESS first, then QUEUED, each oldest first. */
export function pendingExecutions(jobs: Iterable<EstateJob>, thingName: string): EstateJobExecution[] {
  const pending: EstateJobExecution[] = [];
  for (const job of jobs) {
    const execution = job.executions[thingName];
    if (execution && (execution.status === 'IN_PROGRESS' || execution.status === 'QUEUED')) pending.push(execution);
  }
  const rank = (execution: EstateJobExecution) => (execution.status === 'IN_PROGRESS' ? 0 : 1);
  return pending.sort((a, b) => rank(a) - rank(b) || a.queuedAt - b.queuedAt || a.jobId.localeCompare(b.jobId));
}

/**
 * StartNextPendingJobExecution: the execution already IN_PROGRESS if there is one (left
 * as it is), else the oldest QUEUED one, now started. Undefined when nothing is pending.
 */
export function startNextPending(
  jobs: Readonly<Record<string, EstateJob>>,
  thingName: string,
  request: { statusDetails?: Record<string, string>; stepTimeoutInMinutes?: number },
  now: number,
): { execution: EstateJobExecution; touched: Set<string> } | undefined {
  const next = pendingExecutions(Object.values(jobs), thingName)[0];
  if (!next) return undefined;
  if (next.status === 'IN_PROGRESS') return { execution: next, touched: new Set() };
  const result = updateExecution(jobs[next.jobId]!, thingName, { status: 'IN_PROGRESS', ...request }, now);
  if ('code' in result) throw new Error(`starting a QUEUED execution failed: ${result.message}`);
  return result;
}

/**
 * CancelJob: the rollout stops and QUEUED executions are canceled; IN_PROGRESS ones only
 * with `force`, since a device may be midway through an update.
 */
export function cancelJob(job: EstateJob, request: { force: boolean; reasonCode?: string; comment?: string }, now: number): Set<string> | JobsError {
  if (job.status === 'COMPLETED') return { code: 'InvalidStateTransition', message: `Job ${job.jobId} is COMPLETED and cannot be canceled` };
  if (job.status === 'CANCELED' && !request.force) return { code: 'InvalidStateTransition', message: `Job ${job.jobId} is already CANCELED` };
  const touched = new Set<string>();
  cancelQueued(job, now, touched);
  if (request.force) {
    for (const execution of Object.values(job.executions)) {
      if (execution.status !== 'IN_PROGRESS') continue;
      setStatus(job, execution, 'CANCELED', now);
      execution.forceCanceled = true;
      touched.add(execution.thingName);
    }
  }
  job.status = 'CANCELED';
  job.forceCanceled = request.force;
  if (request.reasonCode !== undefined) job.reasonCode = request.reasonCode;
  if (request.comment !== undefined) job.comment = request.comment;
  job.lastUpdatedAt = now;
  return touched;
}

/** CancelJobExecution: a QUEUED execution, or an IN_PROGRESS one with `force`. */
export function cancelExecution(
  job: EstateJob,
  thingName: string,
  request: { force: boolean; expectedVersion?: number; statusDetails?: Record<string, string> },
  now: number,
): EstateJobExecution | JobsError {
  const execution = job.executions[thingName];
  if (!execution) return { code: 'ResourceNotFound', message: `Job execution ${job.jobId} for thing ${thingName} not found` };
  if (request.expectedVersion !== undefined && request.expectedVersion !== execution.versionNumber) {
    return { code: 'VersionMismatch', message: `Expected version ${request.expectedVersion} does not match ${execution.versionNumber}`, execution };
  }
  if (isTerminal(execution.status)) return { code: 'TerminalStateReached', message: `Job execution is already ${execution.status}`, execution };
  if (execution.status === 'IN_PROGRESS' && !request.force) {
    return { code: 'InvalidStateTransition', message: 'Cannot cancel an IN_PROGRESS job execution without force', execution };
  }
  if (execution.status === 'IN_PROGRESS') execution.forceCanceled = true;
  setStatus(job, execution, 'CANCELED', now);
  if (request.statusDetails) execution.statusDetails = request.statusDetails;
  completeIfDone(job, now);
  return execution;
}

export interface JobProcessCounts {
  numberOfCanceledThings: number;
  numberOfSucceededThings: number;
  numberOfFailedThings: number;
  numberOfRejectedThings: number;
  numberOfQueuedThings: number;
  numberOfInProgressThings: number;
  numberOfRemovedThings: number;
  numberOfTimedOutThings: number;
}

const COUNT_FIELD: Record<JobExecutionStatus, keyof JobProcessCounts> = {
  CANCELED: 'numberOfCanceledThings',
  SUCCEEDED: 'numberOfSucceededThings',
  FAILED: 'numberOfFailedThings',
  REJECTED: 'numberOfRejectedThings',
  QUEUED: 'numberOfQueuedThings',
  IN_PROGRESS: 'numberOfInProgressThings',
  REMOVED: 'numberOfRemovedThings',
  TIMED_OUT: 'numberOfTimedOutThings',
};

/** DescribeJob's jobProcessDetails counts: one per thing, by its latest execution's status. */
export function processCounts(job: EstateJob): JobProcessCounts {
  return Object.fromEntries(Object.entries(COUNT_FIELD).map(([status, field]) => [field, countOf(job, status as JobExecutionStatus)])) as unknown as JobProcessCounts;
}

/** The counts of a job's executions by status, for jobs persisted without them. */
export function countExecutions(executions: Record<string, EstateJobExecution>): Partial<Record<JobExecutionStatus, number>> {
  const counts: Partial<Record<JobExecutionStatus, number>> = {};
  for (const execution of Object.values(executions)) counts[execution.status] = (counts[execution.status] ?? 0) + 1;
  return counts;
}
