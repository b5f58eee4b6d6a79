import type { CreateJobCommandInput } from '@aws-sdk/client-iot';
import type { EstateJob } from '../sandbox/aws/estate.js';
import { advanceJob, cancelExecution, initialRolloutState, processCounts, updateExecution } from '../sandbox/aws/jobs/job-engine.js';
import type { RolloutJobs } from './rollout-aws-jobs.js';
import type { HubDevices } from './rollout-hub-devices.js';
import type { HubView } from './rollout-observation.js';

/**
 * Both clouds in memory for the rollout's tests: AWS IoT Jobs is the sandbox's own pure
 * job engine (rollout rate, retries, abort, completion as AWS does them), and each
 * device follows a scripted behaviour the moment AWS releases its execution, as its
 * update agent would. Thing name = device ID.
 */
export type DeviceBehaviour =
  | { kind: 'succeed' }
  /** Its agent reports SUCCEEDED, but IoT Hub never sees it. */
  | { kind: 'succeed-unseen' }
  | { kind: 'fail'; reason: string }
  | { kind: 'reject'; reason: string }
  /** Takes the job and stays in progress at this step. */
  | { kind: 'stall'; step: string }
  /** Off the network: never takes the job. */
  | { kind: 'offline' };

export const ARN_PREFIX = 'arn:aws:iot:eu-west-1:123456789012:thing/';

export class FakeClouds {
  readonly jobs = new Map<string, EstateJob>();
  readonly created: string[] = [];
  readonly hubDevices = new Map<string, HubView>();
  readonly groups = new Map<string, Set<string>>();
  readonly behaviour = new Map<string, DeviceBehaviour>();
  /** Epoch seconds; tests move it forward. */
  clock = 1_800_000_000;
  /** Thrown by the next CreateJob, before (`before`) or after (`after`) the job exists: a kill at that moment. */
  crashOnCreate: 'before' | 'after' | undefined;
  /**
   * When true, DescribeJob carries the execution counts (as AWS's jobProcessDetails do) and
   * AWS and the devices move on between any two calls, not only when executions are listed.
   */
  countsExecutions = false;
  /** ListJobExecutionsForJob and DescribeJob calls made. */
  listCalls = 0;
  describeCalls = 0;

  constructor(readonly targetVersion: string) {}

  behave(deviceIds: readonly string[], behaviour: DeviceBehaviour): void {
    for (const deviceId of deviceIds) this.behaviour.set(deviceId, behaviour);
  }

  rolloutJobs(): RolloutJobs {
    return {
      thingArnPrefix: async () => ARN_PREFIX,
      describeJob: async (jobId) => {
        const job = this.jobs.get(jobId);
        if (!job) return undefined;
        this.describeCalls += 1;
        if (this.countsExecutions) this.advance(job);
        return {
          jobId,
          status: job.status,
          endedBecause: [job.reasonCode, job.comment].filter(Boolean).join(': ') || undefined,
          retriesFor: (status) => job.jobExecutionsRetryConfig?.criteriaList.find((criterion) => criterion.failureType === status)?.numberOfRetries ?? 0,
          inProgressTimeoutMinutes: job.timeoutConfig?.inProgressTimeoutInMinutes,
          executionCounts: this.countsExecutions ? JSON.stringify(processCounts(job)) : undefined,
        };
      },
      createJob: async (input) => {
        if (this.crashOnCreate === 'before') {
          this.crashOnCreate = undefined;
          throw new Error('killed before CreateJob');
        }
        if (this.jobs.has(input.jobId!)) return 'exists';
        this.jobs.set(input.jobId!, this.jobFrom(input));
        this.created.push(input.jobId!);
        if (this.crashOnCreate === 'after') {
          this.crashOnCreate = undefined;
          throw new Error('killed after CreateJob');
        }
        return 'created';
      },
      listExecutions: async (jobId) => {
        const job = this.jobs.get(jobId)!;
        this.listCalls += 1;
        this.advance(job);
        return new Map(
          Object.values(job.executions).map((execution) => [
            execution.thingName,
            { status: execution.status, retryAttempt: execution.retryAttempt, queuedAt: execution.queuedAt * 1000, lastUpdatedAt: execution.lastUpdatedAt * 1000, statusDetails: undefined },
          ]),
        );
      },
      executionDetails: async (jobId, thingName) => this.jobs.get(jobId)?.executions[thingName]?.statusDetails,
      cancelQueuedExecution: async (jobId, thingName) => {
        const result = cancelExecution(this.jobs.get(jobId)!, thingName, { force: false }, this.clock);
        return 'code' in result ? 'started' : 'canceled';
      },
      ensureThingGroup: async (groupName) => {
        if (!this.groups.has(groupName)) this.groups.set(groupName, new Set());
      },
      addThingToGroup: async (groupName, thingName) => {
        this.groups.get(groupName)!.add(thingName);
      },
    };
  }

  hub(): HubDevices {
    return { read: async (deviceIds) => new Map(deviceIds.filter((id) => this.hubDevices.has(id)).map((id) => [id, this.hubDevices.get(id)!])) };
  }

  private advance(job: EstateJob): void {
    advanceJob(job, this.clock);
    this.runDevices(job);
  }

  /** Each released execution's device does what it was scripted to, as its agent would. */
  private runDevices(job: EstateJob): void {
    for (const execution of Object.values(job.executions)) {
      if (execution.status !== 'QUEUED' || job.status !== 'IN_PROGRESS') continue;
      const thingName = execution.thingName;
      const behaviour = this.behaviour.get(thingName) ?? { kind: 'succeed' };
      if (behaviour.kind === 'offline') continue;
      const update = (status: string, statusDetails: Record<string, string>) => {
        const result = updateExecution(job, thingName, { status, statusDetails }, this.clock);
        if ('code' in result) throw new Error(`${thingName}: ${result.message}`);
      };
      if (behaviour.kind === 'reject') {
        update('REJECTED', { step: 'rejected', reason: behaviour.reason });
        continue;
      }
      update('IN_PROGRESS', { step: 'downloading' });
      switch (behaviour.kind) {
        case 'succeed':
          this.hubDevices.set(thingName, { connected: true, firmwareVersion: this.targetVersion });
          update('SUCCEEDED', { step: 'switched', firmwareVersion: this.targetVersion });
          break;
        case 'succeed-unseen':
          update('SUCCEEDED', { step: 'switched', firmwareVersion: this.targetVersion });
          break;
        case 'fail':
          update('FAILED', { step: 'rolled-back', reason: behaviour.reason, firmwareVersion: '1.0.0' });
          break;
        case 'stall':
          update('IN_PROGRESS', { step: behaviour.step });
          break;
      }
    }
  }

  private jobFrom(input: CreateJobCommandInput): EstateJob {
    const things = (input.targets ?? []).map((arn) => arn.slice(ARN_PREFIX.length));
    return {
      jobId: input.jobId!,
      jobArn: `arn:aws:iot:eu-west-1:123456789012:job/${input.jobId}`,
      status: 'IN_PROGRESS',
      targetSelection: 'SNAPSHOT',
      targets: input.targets ?? [],
      document: input.document ?? '{}',
      ...(input.jobExecutionsRolloutConfig ? { jobExecutionsRolloutConfig: { maximumPerMinute: input.jobExecutionsRolloutConfig.maximumPerMinute! } } : {}),
      ...(input.abortConfig ? { abortConfig: input.abortConfig as EstateJob['abortConfig'] } : {}),
      ...(input.timeoutConfig ? { timeoutConfig: input.timeoutConfig } : {}),
      ...(input.jobExecutionsRetryConfig ? { jobExecutionsRetryConfig: input.jobExecutionsRetryConfig as EstateJob['jobExecutionsRetryConfig'] } : {}),
      createdAt: this.clock,
      lastUpdatedAt: this.clock,
      rollout: initialRolloutState(input.jobExecutionsRolloutConfig as EstateJob['jobExecutionsRolloutConfig'], things, this.clock),
      executions: {},
      executionCounts: {},
    };
  }
}
