/**
 * The reserved Jobs topics of AWS IoT Core a device publishes to:
 * `$aws/things/{thingName}/jobs/get`, `…/jobs/start-next`, `…/jobs/{jobId}/get`
 * (`$next` for the next pending one) and `…/jobs/{jobId}/update`; replies go to the
 * request topic plus `/accepted` or `/rejected`, and the service publishes
 * `…/jobs/notify` and `…/jobs/notify-next`.
 */
export type JobsRequestTopic =
  | { thingName: string; operation: 'list' }
  | { thingName: string; operation: 'start-next' }
  | { thingName: string; operation: 'describe'; jobId: string }
  | { thingName: string; operation: 'update'; jobId: string };

// AWS's patterns for thing names and job IDs ($next is the describe-only alias).
const THING_NAME = /^[a-zA-Z0-9:_-]{1,128}$/;
const JOB_ID = /^[a-zA-Z0-9_-]{1,64}$/;

/** True for every topic in a thing's jobs namespace: requests, replies and notifications. */
export function isJobsTopic(topic: string): boolean {
  const levels = topic.split('/');
  return levels[0] === '$aws' && levels[1] === 'things' && levels[3] === 'jobs';
}

/** The request a device publishes, or undefined for any other topic (replies and notifications included). */
export function parseJobsRequestTopic(topic: string): JobsRequestTopic | undefined {
  const levels = topic.split('/');
  const thingName = levels[2] ?? '';
  if (levels[0] !== '$aws' || levels[1] !== 'things' || levels[3] !== 'jobs' || !THING_NAME.test(thingName)) return undefined;
  const rest = levels.slice(4);
  if (rest.length === 1 && rest[0] === 'get') return { thingName, operation: 'list' };
  if (rest.length === 1 && rest[0] === 'start-next') return { thingName, operation: 'start-next' };
  if (rest.length !== 2) return undefined;
  const jobId = rest[0]!;
  if (rest[1] === 'get' && (jobId === '$next' || JOB_ID.test(jobId))) return { thingName, operation: 'describe', jobId };
  if (rest[1] === 'update' && JOB_ID.test(jobId)) return { thingName, operation: 'update', jobId };
  return undefined;
}

export function jobsRequestTopic(request: JobsRequestTopic): string {
  const base = `$aws/things/${request.thingName}/jobs`;
  switch (request.operation) {
    case 'list':
      return `${base}/get`;
    case 'start-next':
      return `${base}/start-next`;
    case 'describe':
      return `${base}/${request.jobId}/get`;
    case 'update':
      return `${base}/${request.jobId}/update`;
  }
}

export const jobsNotifyTopic = (thingName: string) => `$aws/things/${thingName}/jobs/notify`;
export const jobsNotifyNextTopic = (thingName: string) => `$aws/things/${thingName}/jobs/notify-next`;

/**
 * Whether a subscription filter could deliver another thing's jobs topics (`#` and `+`
 * included; MQTT keeps first-level wildcards away from `$` topics, so only `$aws/…`
 * filters can).
 */
export function mayReceiveOtherThingsJobs(filter: string, thingName: string): boolean {
  const levels = filter.split('/');
  if (levels[0] !== '$aws') return false;
  const matches = (level: string | undefined, literal: string) => level === literal || level === '+' || level === '#';
  if (levels[1] === '#') return true;
  if (!matches(levels[1], 'things')) return false;
  if (levels[2] === '#') return true;
  if (levels[2] === thingName) return false;
  return matches(levels[3], 'jobs');
}
