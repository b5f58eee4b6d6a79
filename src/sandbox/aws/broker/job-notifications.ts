import type { EstateJobExecution } from '../estate.js';
import type { JobRunner } from '../jobs/job-runner.js';
import { executionData, notifyPayload, wireTime } from './jobs-payloads.js';
import { jobsNotifyNextTopic, jobsNotifyTopic } from './jobs-topics.js';

export type PublishJson = (topic: string, payload: Record<string, unknown>) => void;

/**
 * The Jobs service's notifications: `notify` when a device's list of pending executions
 * changes (one added, started or finished), `notify-next` when the execution at its head
 * changes, and not otherwise, as AWS sends them. What each device was last told is kept
 * in memory, so only real changes go out.
 */
export function publishJobNotifications(jobs: JobRunner, publish: PublishJson): void {
  const told = new Map<string, { list: string; head: string }>();
  jobs.onPendingChange((thingNames) => {
    const now = jobs.now();
    for (const thingName of thingNames) {
      const pending = jobs.pendingFor(thingName);
      const list = pending.map((execution) => `${execution.jobId}:${execution.executionNumber}:${execution.status}`).join(',');
      const head = pending[0] ? `${pending[0].jobId}:${pending[0].executionNumber}` : '';
      const previous = told.get(thingName) ?? { list: '', head: '' };
      if (list === previous.list) continue;
      told.set(thingName, { list, head });
      publish(jobsNotifyTopic(thingName), notifyPayload(pending, now));
      if (head !== previous.head) publish(jobsNotifyNextTopic(thingName), notifyNextPayload(jobs, pending[0], now));
    }
  });
}

function notifyNextPayload(jobs: JobRunner, next: EstateJobExecution | undefined, now: number): Record<string, unknown> {
  return next ? { timestamp: wireTime(now), execution: executionData(jobs, next) } : { timestamp: wireTime(now) };
}
