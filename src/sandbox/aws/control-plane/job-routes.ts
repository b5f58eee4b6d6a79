import { arn, type EstateJob, type EstateJobExecution } from '../estate.js';
import { initialRolloutState, processCounts, type JobsError } from '../jobs/job-engine.js';
import { presignedUrlPlaceholders, s3LocationOf } from '../jobs/job-document.js';
import type { JobRunner } from '../jobs/job-runner.js';
import { resolveJobTargets } from '../jobs/job-targets.js';
import { AwsError, invalidRequest, resourceAlreadyExists, resourceNotFound } from './aws-error.js';
import { nameFromArn, type ControlPlaneContext } from './control-plane-context.js';
import { booleanParam, constraintViolation, enumParam, jsonBody, optionalParam, pageSizeParam, stringMember, type ControlPlaneRequest } from './control-plane-request.js';
import { parseJobConfig } from './job-config.js';
import { pageOf } from './pagination.js';
import type { Route } from './route-table.js';

const MAX_JOBS_PAGE = 250;
const JOB_STATUSES = ['IN_PROGRESS', 'CANCELED', 'COMPLETED', 'DELETION_IN_PROGRESS', 'SCHEDULED'] as const;
const EXECUTION_STATUSES = ['QUEUED', 'IN_PROGRESS', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'REJECTED', 'REMOVED', 'CANCELED'] as const;
const TARGET_SELECTIONS = ['SNAPSHOT', 'CONTINUOUS'] as const;
const JOB_ID = /^[a-zA-Z0-9_-]{1,64}$/;
// AWS's limit on an inline job document.
const MAX_DOCUMENT_BYTES = 32 * 1024;

/**
 * AWS IoT Jobs on the control plane: CreateJob, DescribeJob, GetJobDocument, ListJobs,
 * CancelJob, and the executions (ListJobExecutionsForJob/ForThing, DescribeJobExecution,
 * CancelJobExecution). The Jobs service itself, shared with the broker, is `jobs`.
 */
export function jobRoutes(context: ControlPlaneContext, jobs: JobRunner): Route[] {
  const { store } = context;

  const jobOrThrow = (jobId: string): EstateJob => {
    const job = Object.hasOwn(jobs.jobs, jobId) ? jobs.jobs[jobId] : undefined;
    if (!job) throw resourceNotFound(`Job ${jobId} does not exist.`);
    return job;
  };

  /** The thing group a job targets, as its summary names it. */
  const targetGroupOf = (job: EstateJob) =>
    job.targets.map((target) => store.estate.thingGroups[nameFromArn(target, 'thinggroup') ?? '']).find((group) => group !== undefined);

  const createJob = async (request: ControlPlaneRequest) => {
    const jobId = request.params.jobId!;
    if (!JOB_ID.test(jobId)) throw constraintViolation(jobId, 'jobId', 'Member must satisfy regular expression pattern: [a-zA-Z0-9_-]+');
    const body = jsonBody(request);
    if (Object.hasOwn(jobs.jobs, jobId)) throw resourceAlreadyExists(`Job ${jobId} already exists`, jobId, jobs.jobs[jobId]!.jobArn);
    const targets = body.targets;
    if (!Array.isArray(targets) || targets.length === 0 || !targets.every((target) => typeof target === 'string')) {
      throw constraintViolation(String(targets ?? 'null'), 'targets', 'Member must have length greater than or equal to 1');
    }
    const resolved = resolveJobTargets(store, targets as string[]);
    if ('unknownTarget' in resolved) throw resourceNotFound(`Target ${resolved.unknownTarget} does not exist`);
    const targetSelection = (stringMember(body, 'targetSelection') ?? 'SNAPSHOT') as EstateJob['targetSelection'];
    if (!TARGET_SELECTIONS.includes(targetSelection)) throw constraintViolation(targetSelection, 'targetSelection', 'Member must satisfy enum value set: [SNAPSHOT, CONTINUOUS]');
    const description = stringMember(body, 'description');
    const documentSource = stringMember(body, 'documentSource');
    const document = await jobDocument(stringMember(body, 'document'), documentSource);
    const config = parseJobConfig(body);
    if (presignedUrlPlaceholders(document).length > 0) {
      if (!config.presignedUrlConfig) throw invalidRequest('The job document contains presigned-URL placeholders but the job has no presignedUrlConfig');
      if (!jobs.objects) throw invalidRequest('Presigned-URL placeholders need the sandbox S3, which this control plane was started without');
    }
    const now = jobs.now();
    const job: EstateJob = {
      jobId,
      jobArn: arn(store.estate, `job/${jobId}`),
      status: 'IN_PROGRESS',
      targetSelection,
      targets: targets as string[],
      ...(description !== undefined ? { description } : {}),
      document,
      ...(documentSource !== undefined ? { documentSource } : {}),
      ...config,
      createdAt: now,
      lastUpdatedAt: now,
      rollout: initialRolloutState(config.jobExecutionsRolloutConfig, resolved.things, now),
      executions: {},
      executionCounts: {},
    };
    jobs.addJob(job);
    return { jobArn: job.jobArn, jobId, description };
  };

  /** The document text: inline, or read from the S3 object documentSource names (as AWS reads it once, at creation). */
  const jobDocument = async (inline: string | undefined, source: string | undefined): Promise<string> => {
    if ((inline === undefined) === (source === undefined)) throw invalidRequest('Exactly one of document and documentSource is required');
    let text = inline;
    if (source !== undefined) {
      const location = s3LocationOf(source);
      if (!location) throw invalidRequest(`documentSource ${source} is not an S3 object URL (https://s3.amazonaws.com/<bucket>/<key>)`);
      if (!jobs.objects) throw invalidRequest('documentSource needs the sandbox S3, which this control plane was started without');
      const object = await jobs.objects.readObject(location.bucket, location.key);
      if (!object) throw invalidRequest(`The document source ${source} does not exist`);
      text = object.toString('utf8');
    }
    if (Buffer.byteLength(text!) > MAX_DOCUMENT_BYTES) throw invalidRequest(`The job document exceeds ${MAX_DOCUMENT_BYTES} bytes`);
    try {
      const parsed: unknown = JSON.parse(text!);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    } catch {
      throw invalidRequest('The job document must be a JSON object');
    }
    return text!;
  };

  const describeJob = (request: ControlPlaneRequest) => {
    const job = jobOrThrow(request.params.jobId!);
    return {
      documentSource: job.documentSource,
      job: {
        jobArn: job.jobArn,
        jobId: job.jobId,
        targetSelection: job.targetSelection,
        status: job.status,
        forceCanceled: job.forceCanceled,
        reasonCode: job.reasonCode,
        comment: job.comment,
        targets: job.targets,
        description: job.description,
        presignedUrlConfig: job.presignedUrlConfig,
        jobExecutionsRolloutConfig: job.jobExecutionsRolloutConfig,
        abortConfig: job.abortConfig,
        createdAt: job.createdAt,
        lastUpdatedAt: job.lastUpdatedAt,
        completedAt: job.completedAt,
        jobProcessDetails: {
          // AWS lists the targets only while the rollout still has things to reach.
          processingTargets: job.rollout.pendingThings.length > 0 ? job.targets : undefined,
          ...processCounts(job),
        },
        timeoutConfig: job.timeoutConfig,
        jobExecutionsRetryConfig: job.jobExecutionsRetryConfig,
        isConcurrent: false,
      },
    };
  };

  const getJobDocument = (request: ControlPlaneRequest) => ({ document: jobOrThrow(request.params.jobId!).document });

  const listJobs = (request: ControlPlaneRequest) => {
    const status = enumParam(request, 'status', JOB_STATUSES);
    const targetSelection = enumParam(request, 'targetSelection', TARGET_SELECTIONS);
    const thingGroupName = optionalParam(request, 'thingGroupName');
    const thingGroupId = optionalParam(request, 'thingGroupId');
    // The estate's jobs live in the default namespace; a namespace filter names another.
    const namespaceId = optionalParam(request, 'namespaceId');
    const targetsGroup = (job: EstateJob) =>
      job.targets.some((target) => {
        const group = store.estate.thingGroups[nameFromArn(target, 'thinggroup') ?? ''];
        if (!group) return false;
        return (thingGroupName === undefined || group.groupName === thingGroupName) && (thingGroupId === undefined || group.groupId === thingGroupId);
      });
    const page = pageOf({
      scope: 'ListJobs',
      token: optionalParam(request, 'nextToken'),
      limit: pageSizeParam(request, 'maxResults', MAX_JOBS_PAGE),
      keys: namespaceId === undefined ? Object.keys(jobs.jobs).sort() : [],
      select: (jobId) => {
        const job = jobs.jobs[jobId]!;
        if (status !== undefined && job.status !== status) return undefined;
        if (targetSelection !== undefined && job.targetSelection !== targetSelection) return undefined;
        if ((thingGroupName !== undefined || thingGroupId !== undefined) && !targetsGroup(job)) return undefined;
        return {
          jobArn: job.jobArn,
          jobId: job.jobId,
          thingGroupId: targetGroupOf(job)?.groupId,
          targetSelection: job.targetSelection,
          status: job.status,
          createdAt: job.createdAt,
          lastUpdatedAt: job.lastUpdatedAt,
          completedAt: job.completedAt,
          isConcurrent: false,
        };
      },
    });
    return { jobs: page.items, nextToken: page.nextToken };
  };

  const listJobExecutionsForJob = (request: ControlPlaneRequest) => {
    const job = jobOrThrow(request.params.jobId!);
    const status = enumParam(request, 'status', EXECUTION_STATUSES);
    const page = pageOf({
      scope: 'ListJobExecutionsForJob',
      token: optionalParam(request, 'nextToken'),
      limit: pageSizeParam(request, 'maxResults', MAX_JOBS_PAGE),
      keys: Object.keys(job.executions).sort(),
      select: (thingName) => {
        const execution = job.executions[thingName]!;
        if (status !== undefined && execution.status !== status) return undefined;
        return { thingArn: thingArnOf(thingName), jobExecutionSummary: executionSummary(execution) };
      },
    });
    return { executionSummaries: page.items, nextToken: page.nextToken };
  };

  const listJobExecutionsForThing = (request: ControlPlaneRequest) => {
    const thingName = request.params.thingName!;
    if (!Object.hasOwn(store.estate.things, thingName)) throw resourceNotFound(`Thing ${thingName} cannot be found.`);
    const status = enumParam(request, 'status', EXECUTION_STATUSES);
    const jobId = optionalParam(request, 'jobId');
    const namespaceId = optionalParam(request, 'namespaceId');
    const page = pageOf({
      scope: 'ListJobExecutionsForThing',
      token: optionalParam(request, 'nextToken'),
      limit: pageSizeParam(request, 'maxResults', MAX_JOBS_PAGE),
      keys: namespaceId === undefined ? Object.keys(jobs.jobs).sort() : [],
      select: (id) => {
        const execution = jobs.jobs[id]!.executions[thingName];
        if (!execution || (jobId !== undefined && id !== jobId) || (status !== undefined && execution.status !== status)) return undefined;
        return { jobId: id, jobExecutionSummary: executionSummary(execution) };
      },
    });
    return { executionSummaries: page.items, nextToken: page.nextToken };
  };

  const describeJobExecution = (request: ControlPlaneRequest) => {
    const execution = executionOrThrow(jobOrThrow(request.params.jobId!), request.params.thingName!, optionalParam(request, 'executionNumber'));
    const deadline = Math.min(execution.inProgressTimesOutAt ?? Infinity, execution.stepTimesOutAt ?? Infinity);
    return {
      execution: {
        jobId: execution.jobId,
        status: execution.status,
        forceCanceled: execution.forceCanceled,
        statusDetails: { detailsMap: execution.statusDetails },
        thingArn: thingArnOf(execution.thingName),
        queuedAt: execution.queuedAt,
        startedAt: execution.startedAt,
        lastUpdatedAt: execution.lastUpdatedAt,
        executionNumber: execution.executionNumber,
        versionNumber: execution.versionNumber,
        approximateSecondsBeforeTimedOut: Number.isFinite(deadline) ? Math.max(0, Math.round(deadline - jobs.now())) : undefined,
      },
    };
  };

  const cancelJob = (request: ControlPlaneRequest) => {
    const job = jobOrThrow(request.params.jobId!);
    const body = jsonBody(request);
    const reasonCode = stringMember(body, 'reasonCode');
    const comment = stringMember(body, 'comment');
    const refusal = jobs.cancelJob(job, { force: booleanParam(request, 'force') ?? false, ...(reasonCode !== undefined ? { reasonCode } : {}), ...(comment !== undefined ? { comment } : {}) });
    if (refusal) throw invalidRequest(refusal.message);
    return { jobArn: job.jobArn, jobId: job.jobId, description: job.description };
  };

  const cancelJobExecution = (request: ControlPlaneRequest) => {
    const job = jobOrThrow(request.params.jobId!);
    const body = jsonBody(request);
    const expectedVersion = body.expectedVersion;
    if (expectedVersion !== undefined && typeof expectedVersion !== 'number') throw invalidRequest("Value at 'expectedVersion' must be a number");
    const statusDetails = body.statusDetails as Record<string, string> | undefined;
    const result = jobs.cancelExecution(job, request.params.thingName!, {
      force: booleanParam(request, 'force') ?? false,
      ...(expectedVersion !== undefined ? { expectedVersion } : {}),
      ...(statusDetails !== undefined ? { statusDetails } : {}),
    });
    if ('code' in result) throw controlPlaneError(result);
    return {};
  };

  const executionOrThrow = (job: EstateJob, thingName: string, executionNumber: string | undefined): EstateJobExecution => {
    const execution = job.executions[thingName];
    // Only a thing's latest attempt is kept, so an earlier execution number is not found.
    if (!execution || (executionNumber !== undefined && Number(executionNumber) !== execution.executionNumber)) {
      throw resourceNotFound(`Job execution ${job.jobId} for thing ${thingName} does not exist.`);
    }
    return execution;
  };

  const thingArnOf = (thingName: string) => store.estate.things[thingName]?.thingArn ?? arn(store.estate, `thing/${thingName}`);

  return [
    { operation: 'CreateJob', method: 'PUT', path: '/jobs/{jobId}', handler: createJob },
    { operation: 'DescribeJob', method: 'GET', path: '/jobs/{jobId}', handler: describeJob },
    { operation: 'GetJobDocument', method: 'GET', path: '/jobs/{jobId}/job-document', handler: getJobDocument },
    { operation: 'ListJobs', method: 'GET', path: '/jobs', handler: listJobs },
    { operation: 'CancelJob', method: 'PUT', path: '/jobs/{jobId}/cancel', handler: cancelJob },
    { operation: 'ListJobExecutionsForJob', method: 'GET', path: '/jobs/{jobId}/things', handler: listJobExecutionsForJob },
    { operation: 'ListJobExecutionsForThing', method: 'GET', path: '/things/{thingName}/jobs', handler: listJobExecutionsForThing },
    { operation: 'DescribeJobExecution', method: 'GET', path: '/things/{thingName}/jobs/{jobId}', handler: describeJobExecution },
    { operation: 'CancelJobExecution', method: 'PUT', path: '/things/{thingName}/jobs/{jobId}/cancel', handler: cancelJobExecution },
  ];
}

function executionSummary(execution: EstateJobExecution) {
  return {
    status: execution.status,
    queuedAt: execution.queuedAt,
    startedAt: execution.startedAt,
    lastUpdatedAt: execution.lastUpdatedAt,
    executionNumber: execution.executionNumber,
    retryAttempt: execution.retryAttempt,
  };
}

/** The control plane's names for the Jobs engine's refusals. */
function controlPlaneError(error: JobsError): AwsError {
  switch (error.code) {
    case 'ResourceNotFound':
      return resourceNotFound(error.message);
    case 'VersionMismatch':
      return new AwsError('VersionConflictException', 409, error.message);
    case 'InvalidStateTransition':
    case 'TerminalStateReached':
      return new AwsError('InvalidStateTransitionException', 409, error.message);
    case 'InvalidRequest':
      return invalidRequest(error.message);
  }
}
