import type { CreateJobCommandInput, IoTClient } from '@aws-sdk/client-iot';
import { awsErrorName, callAws, type AwsCallOptions } from './rollout-aws-call.js';
import type { ExecutionStatus, ExecutionView, JobStatus, JobView } from './rollout-observation.js';

/**
 * The AWS IoT calls of the rollout, over `@aws-sdk/client-iot` (imported on first use,
 * so `--help` does not load it). Thin: one SDK call per method (paged to the end where
 * the API pages), results as the plain views the pure rollout logic reads.
 */
export interface RolloutJobs {
  /** `arn:<partition>:iot:<region>:<account>:thing/`, read from one thing, so ARNs are right in any partition and account. */
  thingArnPrefix(thingName: string): Promise<string>;
  /** Undefined when the job does not exist. */
  describeJob(jobId: string): Promise<JobView | undefined>;
  /** `exists` when a job of that ID is there already (a run killed after creating it): it is adopted, never duplicated. */
  createJob(input: CreateJobCommandInput): Promise<'created' | 'exists'>;
  /** Every execution of the job, latest attempt per thing, by thing name. */
  listExecutions(jobId: string): Promise<Map<string, ExecutionView>>;
  /** The execution's statusDetails (the agent's step and reason). */
  executionDetails(jobId: string, thingName: string): Promise<Record<string, string> | undefined>;
  /** Cancels a QUEUED execution; `started` when the device took it first (AWS refuses without force, which is never used). */
  cancelQueuedExecution(jobId: string, thingName: string): Promise<'canceled' | 'started'>;
  /** A static thing group, created when missing. */
  ensureThingGroup(groupName: string, description: string): Promise<void>;
  addThingToGroup(groupName: string, thingName: string): Promise<void>;
}

const PAGE_SIZE = 250;

type ProcessDetails = NonNullable<NonNullable<import('@aws-sdk/client-iot').DescribeJobCommandOutput['job']>['jobProcessDetails']>;

function countsOf(details: ProcessDetails | undefined): string | undefined {
  if (!details) return undefined;
  const { numberOfQueuedThings, numberOfInProgressThings, numberOfSucceededThings, numberOfFailedThings, numberOfRejectedThings } = details;
  const { numberOfCanceledThings, numberOfRemovedThings, numberOfTimedOutThings } = details;
  return JSON.stringify([
    numberOfQueuedThings,
    numberOfInProgressThings,
    numberOfSucceededThings,
    numberOfFailedThings,
    numberOfRejectedThings,
    numberOfCanceledThings,
    numberOfRemovedThings,
    numberOfTimedOutThings,
  ]);
}

export async function rolloutJobsOver(iot: IoTClient, options: AwsCallOptions): Promise<RolloutJobs> {
  const sdk = await import('@aws-sdk/client-iot');
  const call = <T>(operation: string, send: () => Promise<T>, passThrough?: (error: unknown) => boolean) => callAws(operation, send, options, passThrough);
  const notFound = (error: unknown) => awsErrorName(error) === 'ResourceNotFoundException';
  const alreadyExists = (error: unknown) => awsErrorName(error) === 'ResourceAlreadyExistsException';

  return {
    async thingArnPrefix(thingName) {
      const thing = await call('DescribeThing', () => iot.send(new sdk.DescribeThingCommand({ thingName })));
      const arn = thing.thingArn ?? '';
      const at = arn.lastIndexOf(':thing/');
      if (at < 0) throw new Error(`DescribeThing ${thingName} returned no thing ARN`);
      return arn.slice(0, at + ':thing/'.length);
    },

    async describeJob(jobId) {
      try {
        const { job } = await call('DescribeJob', () => iot.send(new sdk.DescribeJobCommand({ jobId })), notFound);
        const criteria = job?.jobExecutionsRetryConfig?.criteriaList ?? [];
        const retries = (status: 'FAILED' | 'TIMED_OUT') =>
          (criteria.find((criterion) => criterion.failureType === status) ?? criteria.find((criterion) => criterion.failureType === 'ALL'))?.numberOfRetries ?? 0;
        const ended = [job?.reasonCode, job?.comment].filter((part): part is string => Boolean(part)).join(': ');
        return {
          jobId,
          status: (job?.status ?? 'IN_PROGRESS') as JobStatus,
          endedBecause: ended || undefined,
          retriesFor: retries,
          inProgressTimeoutMinutes: job?.timeoutConfig?.inProgressTimeoutInMinutes,
          executionCounts: countsOf(job?.jobProcessDetails),
        };
      } catch (error) {
        if (notFound(error)) return undefined;
        throw error;
      }
    },

    async createJob(input) {
      try {
        await call('CreateJob', () => iot.send(new sdk.CreateJobCommand(input)), alreadyExists);
        return 'created';
      } catch (error) {
        if (alreadyExists(error)) return 'exists';
        throw error;
      }
    },

    async listExecutions(jobId) {
      const executions = new Map<string, ExecutionView>();
      let nextToken: string | undefined;
      do {
        const page = await call('ListJobExecutionsForJob', () =>
          iot.send(new sdk.ListJobExecutionsForJobCommand({ jobId, maxResults: PAGE_SIZE, ...(nextToken ? { nextToken } : {}) })),
        );
        for (const summary of page.executionSummaries ?? []) {
          const thingName = thingNameOf(summary.thingArn ?? '');
          const execution = summary.jobExecutionSummary;
          if (!thingName || !execution?.status) continue;
          executions.set(thingName, {
            status: execution.status as ExecutionStatus,
            retryAttempt: execution.retryAttempt ?? 0,
            queuedAt: execution.queuedAt?.getTime() ?? 0,
            lastUpdatedAt: execution.lastUpdatedAt?.getTime() ?? 0,
            statusDetails: undefined,
          });
        }
        nextToken = page.nextToken;
      } while (nextToken);
      return executions;
    },

    async executionDetails(jobId, thingName) {
      try {
        const { execution } = await call('DescribeJobExecution', () => iot.send(new sdk.DescribeJobExecutionCommand({ jobId, thingName })), notFound);
        return execution?.statusDetails?.detailsMap;
      } catch (error) {
        if (notFound(error)) return undefined;
        throw error;
      }
    },

    async cancelQueuedExecution(jobId, thingName) {
      const refused = (error: unknown) => ['InvalidStateTransitionException', 'VersionConflictException'].includes(awsErrorName(error) ?? '');
      try {
        await call(
          'CancelJobExecution',
          () => iot.send(new sdk.CancelJobExecutionCommand({ jobId, thingName, force: false, statusDetails: { reason: 'iotmigrate: not taken within the rollout limit' } })),
          refused,
        );
        return 'canceled';
      } catch (error) {
        if (refused(error)) return 'started';
        throw error;
      }
    },

    async ensureThingGroup(groupName, description) {
      try {
        await call('DescribeThingGroup', () => iot.send(new sdk.DescribeThingGroupCommand({ thingGroupName: groupName })), notFound);
        return;
      } catch (error) {
        if (!notFound(error)) throw error;
      }
      try {
        await call(
          'CreateThingGroup',
          () => iot.send(new sdk.CreateThingGroupCommand({ thingGroupName: groupName, thingGroupProperties: { thingGroupDescription: description } })),
          alreadyExists,
        );
      } catch (error) {
        // Another run made it between our look and our create: what we wanted is there.
        if (!alreadyExists(error)) throw error;
      }
    },

    async addThingToGroup(groupName, thingName) {
      await call('AddThingToThingGroup', () => iot.send(new sdk.AddThingToThingGroupCommand({ thingGroupName: groupName, thingName })));
    },
  };
}

export function thingNameOf(thingArn: string): string | undefined {
  const at = thingArn.indexOf(':thing/');
  return at < 0 ? undefined : thingArn.slice(at + ':thing/'.length);
}
