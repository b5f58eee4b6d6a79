import { IN_FLIGHT_STATES, isInFlight, type DeviceEvent, type DeviceRecord, type InFlightState } from '../state/device-state.js';
import { CUTOVER_STEPS, type CutoverStep } from './cutover-job-document.js';

/**
 * How a device's cutover looks from both clouds, turned into state-machine events. Pure:
 * the watch loop reads AWS (the job and the device's execution) and IoT Hub (connection
 * state, reported firmware), and this decides. A device is verified only when both
 * agree: its execution SUCCEEDED and IoT Hub has it Connected, reporting the new version.
 */
export type ExecutionStatus = 'QUEUED' | 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'REJECTED' | 'REMOVED' | 'CANCELED';
export type JobStatus = 'IN_PROGRESS' | 'CANCELED' | 'COMPLETED' | 'DELETION_IN_PROGRESS' | 'SCHEDULED';

export interface JobView {
  jobId: string;
  status: JobStatus;
  /** Why AWS or an operator ended it early (the abort's comment, CancelJob's reasonCode or comment). */
  endedBecause: string | undefined;
  /** Retries AWS makes of an execution that ended so, from the job's jobExecutionsRetryConfig. */
  retriesFor(status: 'FAILED' | 'TIMED_OUT'): number;
  inProgressTimeoutMinutes: number | undefined;
  /**
   * The job's executions counted by status (DescribeJob's jobProcessDetails), as one
   * comparable string; undefined when AWS gave none. Unchanged counts mean no execution
   * started, ended or was retried since they were last read.
   */
  executionCounts: string | undefined;
}

export interface ExecutionView {
  status: ExecutionStatus;
  retryAttempt: number;
  /** Epoch milliseconds AWS queued this attempt (released it to the device). */
  queuedAt: number;
  /** Epoch milliseconds of the execution's last change. */
  lastUpdatedAt: number;
  /** From DescribeJobExecution; undefined when not read this time. */
  statusDetails: Record<string, string> | undefined;
}

export interface HubView {
  connected: boolean;
  /** properties.reported.firmwareVersion, when the device reported one. */
  firmwareVersion: string | null;
}

export interface DeviceObservation {
  record: DeviceRecord;
  job: JobView;
  /** Undefined while AWS has not released the device's execution yet (or never will). */
  execution: ExecutionView | undefined;
  /** Undefined when IoT Hub was not asked this time. */
  hub: HubView | undefined;
  targetVersion: string;
  /** How long after SUCCEEDED IoT Hub may take to show the device (ms). */
  verifyGraceMs: number;
  /**
   * How long a released execution may stay QUEUED (ms). AWS has no such timeout (its
   * in-progress timeout starts when the device takes the job), so a device that is
   * off the network would hold its wave for ever.
   */
  queuedLimitMs: number;
  now: number;
}

export type ObservationOutcome =
  | { kind: 'events'; events: DeviceEvent[] }
  /** AWS says SUCCEEDED but IoT Hub still disagrees after the grace: left in flight for a later run to look at again. */
  | { kind: 'unconfirmed'; reason: string; events: DeviceEvent[] }
  /** Never taken by the device within the limit: cancel the queued execution, then the device counts as rolled back (it never left AWS). */
  | { kind: 'overdue'; reason: string };

type EventsOutcome = Extract<ObservationOutcome, { kind: 'events' }>;
const NOTHING: EventsOutcome = { kind: 'events', events: [] };

/**
 * What an agent's step says about where the device is: installing is still on the old
 * firmware; from connecting-azure on it runs the new one. Only IoT Hub itself can say
 * the device is connected there (azure-connected), never the agent's word alone.
 */
const STEP_STATE: Record<CutoverStep, Exclude<InFlightState, 'job-queued'> | undefined> = {
  downloading: 'downloading',
  verifying: 'downloading',
  installing: 'downloading',
  'connecting-azure': 'installed',
  switched: 'installed',
  'rolled-back': undefined,
  rejected: undefined,
};

export function observeDevice(observation: DeviceObservation): ObservationOutcome {
  const { record, job, execution } = observation;
  if (!isInFlight(record.state)) return NOTHING;
  if (!execution) {
    // AWS releases executions at the job's rollout rate; a job that ended first never will.
    if (job.status === 'IN_PROGRESS' || job.status === 'SCHEDULED' || record.state !== 'job-queued') return NOTHING;
    return events({ type: 'job-canceled', reason: `job ${job.jobId} ended (${job.status}) before the device was notified${because(job)}` });
  }
  const step = stepOf(execution.statusDetails);
  switch (execution.status) {
    case 'QUEUED': {
      const queuedMs = observation.now - execution.queuedAt;
      if (queuedMs <= observation.queuedLimitMs || job.status !== 'IN_PROGRESS') return NOTHING;
      return { kind: 'overdue', reason: `QUEUED: the device did not take the job within ${Math.round(observation.queuedLimitMs / 60_000)} minutes (offline?)` };
    }
    case 'IN_PROGRESS':
      return forward(record.state, reached(step, observation));
    case 'SUCCEEDED': {
      const hub = observation.hub;
      if (hub?.connected && hub.firmwareVersion === observation.targetVersion) return events({ type: 'verified', firmwareAfter: hub.firmwareVersion });
      const progress = forward(record.state, hub?.connected ? 'azure-connected' : 'installed');
      if (observation.now - execution.lastUpdatedAt < observation.verifyGraceMs) return progress;
      return { kind: 'unconfirmed', reason: hubDisagreement(hub, observation.targetVersion), events: progress.events };
    }
    case 'FAILED':
    case 'TIMED_OUT': {
      // AWS queues a retry while the job's retry config allows one; only the last attempt counts.
      const retriesLeft = job.status === 'IN_PROGRESS' && execution.retryAttempt < job.retriesFor(execution.status);
      if (retriesLeft) return forward(record.state, reached(step, observation));
      return events({ type: 'rolled-back', reason: failureReason(execution, job) });
    }
    case 'REJECTED':
      return events({ type: 'rolled-back', reason: failureReason(execution, job) });
    case 'CANCELED':
    case 'REMOVED':
      if (record.state === 'job-queued') return events({ type: 'job-canceled', reason: `execution ${execution.status} on AWS before the device started it${because(job)}` });
      // Force-canceled mid-way: the agent stops and stays on (or boots back to) AWS.
      return events({ type: 'rolled-back', reason: `execution ${execution.status} on AWS while the device was ${record.state}${because(job)}` });
  }
}

function events(...list: DeviceEvent[]): EventsOutcome {
  return { kind: 'events', events: list };
}

/** Where an IN_PROGRESS device has got to: its agent's step, or further when IoT Hub already shows the new firmware. */
function reached(step: CutoverStep | undefined, observation: DeviceObservation): InFlightState {
  const hub = observation.hub;
  if (hub?.connected && hub.firmwareVersion === observation.targetVersion) return 'azure-connected';
  return (step && STEP_STATE[step]) ?? 'job-queued';
}

/** Observations may skip steps, never go back: an older reading (or a retry starting over) changes nothing. */
function forward(current: DeviceRecord['state'], to: InFlightState): EventsOutcome {
  if (!isInFlight(current) || to === 'job-queued') return NOTHING;
  return IN_FLIGHT_STATES.indexOf(to) > IN_FLIGHT_STATES.indexOf(current) ? events({ type: 'progressed', to }) : NOTHING;
}

function stepOf(details: Record<string, string> | undefined): CutoverStep | undefined {
  const step = details?.step;
  return (CUTOVER_STEPS as readonly string[]).includes(step ?? '') ? (step as CutoverStep) : undefined;
}

/** The agent's own reason when it gave one, with the execution's status and step, so the report says what happened where. */
export function failureReason(execution: ExecutionView, job: JobView): string {
  const details = execution.statusDetails ?? {};
  const step = details.step && details.step !== 'rolled-back' && details.step !== 'rejected' ? ` at ${details.step}` : '';
  if (details.reason) return `${execution.status}${step}: ${details.reason}`;
  switch (execution.status) {
    case 'TIMED_OUT':
      return `TIMED_OUT${step}: in progress longer than the job's ${job.inProgressTimeoutMinutes ?? '?'} minute timeout`;
    case 'REJECTED':
      return 'REJECTED: the device turned the job down without a reason';
    default:
      return `${execution.status}${step}: the device gave no reason`;
  }
}

function hubDisagreement(hub: HubView | undefined, targetVersion: string): string {
  if (!hub) return 'AWS job execution SUCCEEDED, but the device is not on IoT Hub';
  if (!hub.connected) return 'AWS job execution SUCCEEDED, but IoT Hub shows the device Disconnected';
  return `AWS job execution SUCCEEDED, but the device reports firmware ${hub.firmwareVersion ?? '(none)'} on IoT Hub, not ${targetVersion}`;
}

function because(job: JobView): string {
  return job.endedBecause ? `: ${job.endedBecause}` : '';
}
