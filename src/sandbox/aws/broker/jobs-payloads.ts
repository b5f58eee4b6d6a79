import type { EstateJobExecution } from '../estate.js';
import type { JobRunner } from '../jobs/job-runner.js';

/**
 * The JSON shapes of the Jobs MQTT API (aws-iot-device-sdk-js-v2 iotjobs model). Times
 * are whole epoch seconds, as the service's examples carry them.
 */
export const wireTime = (seconds: number | undefined) => (seconds === undefined ? undefined : Math.floor(seconds));

/** A JobExecutionSummary, the items of `jobs/get` and `notify`. */
export function executionSummary(execution: EstateJobExecution) {
  return {
    jobId: execution.jobId,
    queuedAt: wireTime(execution.queuedAt),
    startedAt: wireTime(execution.startedAt),
    lastUpdatedAt: wireTime(execution.lastUpdatedAt),
    versionNumber: execution.versionNumber,
    executionNumber: execution.executionNumber,
  };
}

/** A JobExecutionData, with the document a device is handed (presigned URLs in place). */
export function executionData(jobs: JobRunner, execution: EstateJobExecution, includeJobDocument = true) {
  return {
    jobId: execution.jobId,
    thingName: execution.thingName,
    ...(includeJobDocument ? { jobDocument: jobs.documentForDevice(jobs.jobs[execution.jobId]!) } : {}),
    status: execution.status,
    statusDetails: execution.statusDetails,
    queuedAt: wireTime(execution.queuedAt),
    startedAt: wireTime(execution.startedAt),
    lastUpdatedAt: wireTime(execution.lastUpdatedAt),
    versionNumber: execution.versionNumber,
    executionNumber: execution.executionNumber,
  };
}

export function executionState(execution: EstateJobExecution) {
  return { status: execution.status, statusDetails: execution.statusDetails, versionNumber: execution.versionNumber };
}

/** AWS sends at most ten executions in a `notify` message. */
const MAX_NOTIFIED = 10;

/** `notify`: the pending list, IN_PROGRESS first then QUEUED (the order `pending` is in), empty groups left out. */
export function notifyPayload(pending: readonly EstateJobExecution[], now: number) {
  const jobs: Record<string, ReturnType<typeof executionSummary>[]> = {};
  for (const execution of pending.slice(0, MAX_NOTIFIED)) (jobs[execution.status] ??= []).push(executionSummary(execution));
  return { timestamp: wireTime(now), jobs };
}
