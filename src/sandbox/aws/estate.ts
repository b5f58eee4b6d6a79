/**
 * The sandbox's AWS estate as plain data: what the control plane serves, what the MQTT
 * broker authenticates against, and what is persisted to `<state-dir>/aws-estate.json`
 * (jobs to `aws-jobs.json`).
 * Field names follow the AWS API so handlers map them without renaming. Times are epoch
 * seconds, as AWS's JSON wire format carries them.
 */
export interface EstateThing {
  thingName: string;
  thingId: string;
  thingArn: string;
  thingTypeName?: string;
  attributes: Record<string, string>;
  version: number;
  billingGroupName?: string;
  creationDate: number;
}

export interface EstateThingType {
  thingTypeName: string;
  thingTypeId: string;
  thingTypeArn: string;
  description?: string;
  searchableAttributes: string[];
  deprecated: boolean;
  creationDate: number;
}

export interface EstateThingGroup {
  groupName: string;
  groupId: string;
  groupArn: string;
  parentGroupName?: string;
  description?: string;
  attributes: Record<string, string>;
  version: number;
  creationDate: number;
  /** Present for dynamic groups; membership is then computed from the query. */
  dynamic?: { queryString: string; indexName: string; queryVersion: string };
  /** Static members (thing names); always empty for dynamic groups. */
  members: string[];
}

export type CertificateStatus = 'ACTIVE' | 'INACTIVE' | 'REVOKED' | 'PENDING_TRANSFER' | 'REGISTER_INACTIVE' | 'PENDING_ACTIVATION';

export interface EstateCertificate {
  /** Lower-case hex SHA-256 of the DER, as AWS derives certificate IDs. */
  certificateId: string;
  certificateArn: string;
  certificatePem: string;
  status: CertificateStatus;
  /** Set when the certificate was issued by a CA registered in the account. */
  caCertificateId?: string;
  ownedBy: string;
  creationDate: number;
  lastModifiedDate: number;
  notBefore: number;
  notAfter: number;
  certificateMode: 'DEFAULT' | 'SNI_ONLY';
}

export interface EstateCaCertificate {
  certificateId: string;
  certificateArn: string;
  certificatePem: string;
  status: 'ACTIVE' | 'INACTIVE';
  autoRegistrationStatus: 'ENABLE' | 'DISABLE';
  ownedBy: string;
  creationDate: number;
  notBefore: number;
  notAfter: number;
  certificateMode: 'DEFAULT' | 'SNI_ONLY';
}

export interface EstatePolicy {
  policyName: string;
  policyArn: string;
  /** The JSON document as a string, exactly as AWS stores and returns it. */
  policyDocument: string;
  defaultVersionId: string;
  creationDate: number;
  /** Principal or thing-group ARNs the policy is attached to. */
  targets: string[];
}

export interface EstateTopicRule {
  ruleName: string;
  ruleArn: string;
  sql: string;
  description?: string;
  awsIotSqlVersion: string;
  ruleDisabled: boolean;
  createdAt: number;
  /** Each action has exactly one key naming its target service, as in the AWS API. */
  actions: Record<string, unknown>[];
  errorAction?: Record<string, unknown>;
}

export type JobStatus = 'IN_PROGRESS' | 'CANCELED' | 'COMPLETED' | 'DELETION_IN_PROGRESS' | 'SCHEDULED';
export type JobExecutionStatus = 'QUEUED' | 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'REJECTED' | 'REMOVED' | 'CANCELED';
export type JobFailureType = 'FAILED' | 'REJECTED' | 'TIMED_OUT' | 'ALL';

/** CreateJob's `jobExecutionsRolloutConfig`, as the API carries it. */
export interface JobRolloutConfig {
  maximumPerMinute?: number;
  exponentialRate?: {
    baseRatePerMinute: number;
    incrementFactor: number;
    rateIncreaseCriteria: { numberOfNotifiedThings?: number; numberOfSucceededThings?: number };
  };
}

export interface JobAbortCriteria {
  failureType: JobFailureType;
  action: 'CANCEL';
  thresholdPercentage: number;
  minNumberOfExecutedThings: number;
}

export interface JobRetryCriteria {
  failureType: Exclude<JobFailureType, 'REJECTED'>;
  numberOfRetries: number;
}

/**
 * Where a job's rollout stands: things not yet released to their devices, in release
 * order, and the pacing counters the rollout config is applied with.
 */
export interface JobRolloutState {
  pendingThings: string[];
  ratePerMinute: number;
  /** Start of the current one-minute release window, epoch seconds. */
  windowStartedAt: number;
  releasedInWindow: number;
  /** Counted since the exponential rate last rose. */
  notifiedSinceIncrease: number;
  succeededSinceIncrease: number;
}

export interface EstateJobExecution {
  jobId: string;
  thingName: string;
  status: JobExecutionStatus;
  statusDetails: Record<string, string>;
  queuedAt: number;
  startedAt?: number;
  lastUpdatedAt: number;
  versionNumber: number;
  executionNumber: number;
  retryAttempt: number;
  forceCanceled?: boolean;
  /** The job's in-progress timeout, set when the execution starts. */
  inProgressTimesOutAt?: number;
  /** The device's step timer, which each update may reset; whichever of the two ends first times the execution out. */
  stepTimesOutAt?: number;
}

export interface EstateJob {
  jobId: string;
  jobArn: string;
  status: JobStatus;
  targetSelection: 'SNAPSHOT' | 'CONTINUOUS';
  targets: string[];
  description?: string;
  /** The job document as the JSON string CreateJob received (or read from documentSource). */
  document: string;
  documentSource?: string;
  presignedUrlConfig?: { roleArn?: string; expiresInSec?: number };
  jobExecutionsRolloutConfig?: JobRolloutConfig;
  abortConfig?: { criteriaList: JobAbortCriteria[] };
  timeoutConfig?: { inProgressTimeoutInMinutes?: number };
  jobExecutionsRetryConfig?: { criteriaList: JobRetryCriteria[] };
  forceCanceled?: boolean;
  reasonCode?: string;
  comment?: string;
  createdAt: number;
  lastUpdatedAt: number;
  completedAt?: number;
  rollout: JobRolloutState;
  /** thingName → the thing's latest execution of this job (a retry replaces the failed attempt). */
  executions: Record<string, EstateJobExecution>;
  /**
   * How many of `executions` are in each status, kept in step by the job engine so that
   * completion, abort and DescribeJob never scan a 10,000-thing job per update.
   */
  executionCounts: Partial<Record<JobExecutionStatus, number>>;
}

export interface EstateShadow {
  state: { desired?: Record<string, unknown>; reported?: Record<string, unknown> };
  metadata: { desired?: Record<string, unknown>; reported?: Record<string, unknown> };
  version: number;
  timestamp: number;
}

export interface AwsEstate {
  accountId: string;
  region: string;
  things: Record<string, EstateThing>;
  thingTypes: Record<string, EstateThingType>;
  thingGroups: Record<string, EstateThingGroup>;
  certificates: Record<string, EstateCertificate>;
  caCertificates: Record<string, EstateCaCertificate>;
  policies: Record<string, EstatePolicy>;
  topicRules: Record<string, EstateTopicRule>;
  jobs: Record<string, EstateJob>;
  /** thingName → principal ARNs attached to it. */
  thingPrincipals: Record<string, string[]>;
  /** thingName → shadow name ('' for the classic shadow) → document. */
  shadows: Record<string, Record<string, EstateShadow>>;
}

export const CLASSIC_SHADOW = '';

export function emptyEstate(accountId: string, region: string): AwsEstate {
  return {
    accountId,
    region,
    things: {},
    thingTypes: {},
    thingGroups: {},
    certificates: {},
    caCertificates: {},
    policies: {},
    topicRules: {},
    jobs: {},
    thingPrincipals: {},
    shadows: {},
  };
}

export function arn(estate: Pick<AwsEstate, 'accountId' | 'region'>, resource: string): string {
  return `arn:aws:iot:${estate.region}:${estate.accountId}:${resource}`;
}

export function nowEpochSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
