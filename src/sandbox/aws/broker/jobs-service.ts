import type { JobsErrorCode } from '../jobs/job-engine.js';
import type { JobRunner } from '../jobs/job-runner.js';
import { executionData, executionState, executionSummary, wireTime } from './jobs-payloads.js';
import { jobsRequestTopic, type JobsRequestTopic } from './jobs-topics.js';

/** A message the Jobs service publishes in answer to a request. */
export interface JobsReply {
  topic: string;
  payload: Record<string, unknown>;
}

type RejectionCode = JobsErrorCode | 'InvalidJson';

// The Jobs API refuses client tokens beyond 64 bytes.
const MAX_CLIENT_TOKEN_BYTES = 64;

/**
 * Serves one Jobs MQTT request from a device, as AWS IoT Jobs does: `get` lists the
 * pending executions, `start-next` starts (or returns) the next one, `{jobId}/get`
 * describes one, `{jobId}/update` moves it on. Returns the reply to publish; the
 * notifications that follow a change go out through the runner's listeners.
 */
export function handleJobsRequest(jobs: JobRunner, request: JobsRequestTopic, payload: Buffer | string): JobsReply {
  const topic = jobsRequestTopic(request);
  const now = jobs.now();
  const parsed = parsePayload(payload.toString());
  const clientToken = 'body' in parsed ? parsed.clientToken : undefined;
  const withToken = (body: Record<string, unknown>) => (clientToken === undefined ? body : { ...body, clientToken });
  const accepted = (body: Record<string, unknown>): JobsReply => ({ topic: `${topic}/accepted`, payload: withToken({ ...body, timestamp: wireTime(now) }) });
  const rejected = (code: RejectionCode, message: string, state?: Record<string, unknown>): JobsReply => ({
    topic: `${topic}/rejected`,
    payload: withToken({ code, message, timestamp: wireTime(now), ...(state ? { executionState: state } : {}) }),
  });
  if (!('body' in parsed)) return rejected(parsed.code, parsed.message);
  const body = parsed.body;

  switch (request.operation) {
    case 'list': {
      const pending = jobs.pendingFor(request.thingName);
      return accepted({
        inProgressJobs: pending.filter((execution) => execution.status === 'IN_PROGRESS').map(executionSummary),
        queuedJobs: pending.filter((execution) => execution.status === 'QUEUED').map(executionSummary),
      });
    }

    case 'start-next': {
      const statusDetails = statusDetailsOf(body);
      const stepTimeout = stepTimeoutOf(body);
      if (statusDetails === null || stepTimeout === null) return rejected('InvalidRequest', 'Invalid statusDetails or stepTimeoutInMinutes');
      const execution = jobs.startNext(request.thingName, {
        ...(statusDetails !== undefined ? { statusDetails } : {}),
        ...(stepTimeout !== undefined ? { stepTimeoutInMinutes: stepTimeout } : {}),
      });
      return accepted(execution ? { execution: executionData(jobs, execution) } : {});
    }

    case 'describe': {
      const execution =
        request.jobId === '$next' ? jobs.pendingFor(request.thingName)[0] : Object.hasOwn(jobs.jobs, request.jobId) ? jobs.jobs[request.jobId]!.executions[request.thingName] : undefined;
      const executionNumber = body.executionNumber;
      if (!execution || (typeof executionNumber === 'number' && executionNumber !== execution.executionNumber)) {
        return rejected('ResourceNotFound', `Job execution ${request.jobId} for thing ${request.thingName} not found`);
      }
      return accepted({ execution: executionData(jobs, execution, body.includeJobDocument !== false) });
    }

    case 'update': {
      const job = Object.hasOwn(jobs.jobs, request.jobId) ? jobs.jobs[request.jobId] : undefined;
      if (!job) return rejected('ResourceNotFound', `Job ${request.jobId} not found`);
      const statusDetails = statusDetailsOf(body);
      const stepTimeout = stepTimeoutOf(body);
      const { status, expectedVersion, executionNumber } = body;
      if (typeof status !== 'string' || statusDetails === null || stepTimeout === null) return rejected('InvalidRequest', 'Invalid status, statusDetails or stepTimeoutInMinutes');
      if ((expectedVersion !== undefined && typeof expectedVersion !== 'number') || (executionNumber !== undefined && typeof executionNumber !== 'number')) {
        return rejected('InvalidRequest', 'expectedVersion and executionNumber must be numbers');
      }
      const result = jobs.updateExecution(job, request.thingName, {
        status,
        ...(statusDetails !== undefined ? { statusDetails } : {}),
        ...(expectedVersion !== undefined ? { expectedVersion } : {}),
        ...(executionNumber !== undefined ? { executionNumber } : {}),
        ...(stepTimeout !== undefined ? { stepTimeoutInMinutes: stepTimeout } : {}),
      });
      if ('code' in result) return rejected(result.code, result.message, result.execution ? executionState(result.execution) : undefined);
      return accepted({
        ...(body.includeJobExecutionState === true ? { executionState: executionState(result) } : {}),
        ...(body.includeJobDocument === true ? { jobDocument: jobs.documentForDevice(job) } : {}),
      });
    }
  }
}

type ParsedPayload = { body: Record<string, unknown>; clientToken: string | undefined } | { code: RejectionCode; message: string };

function parsePayload(text: string): ParsedPayload {
  // A request with nothing to say may come with no payload at all.
  if (text.trim() === '') return { body: {}, clientToken: undefined };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { code: 'InvalidJson', message: 'Payload is not valid JSON' };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { code: 'InvalidJson', message: 'Payload is not a JSON object' };
  const clientToken = (body as Record<string, unknown>).clientToken;
  if (clientToken !== undefined && (typeof clientToken !== 'string' || Buffer.byteLength(clientToken) > MAX_CLIENT_TOKEN_BYTES)) {
    return { code: 'InvalidRequest', message: 'Invalid clientToken' };
  }
  return { body: body as Record<string, unknown>, clientToken: clientToken as string | undefined };
}

/** statusDetails: a map of strings, undefined when absent, null when malformed. */
function statusDetailsOf(body: Record<string, unknown>): Record<string, string> | undefined | null {
  const details = body.statusDetails;
  if (details === undefined || details === null) return undefined;
  if (typeof details !== 'object' || Array.isArray(details)) return null;
  return Object.values(details).every((value) => typeof value === 'string') ? (details as Record<string, string>) : null;
}

/** stepTimeoutInMinutes: 1 minute to 7 days; undefined when absent, null when out of range. */
function stepTimeoutOf(body: Record<string, unknown>): number | undefined | null {
  const minutes = body.stepTimeoutInMinutes;
  if (minutes === undefined || minutes === null) return undefined;
  return typeof minutes === 'number' && Number.isInteger(minutes) && minutes >= 1 && minutes <= 10_080 ? minutes : null;
}
