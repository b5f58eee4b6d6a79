import type { EstateJob, JobAbortCriteria, JobRetryCriteria, JobRolloutConfig } from '../estate.js';
import { invalidRequest } from './aws-error.js';
import { constraintViolation } from './control-plane-request.js';

/**
 * CreateJob's configuration members, checked against the API's constraints with AWS's
 * wording, so a rollout that AWS would refuse is refused here too.
 */
type JobConfig = Pick<EstateJob, 'presignedUrlConfig' | 'jobExecutionsRolloutConfig' | 'abortConfig' | 'timeoutConfig' | 'jobExecutionsRetryConfig'>;

const FAILURE_TYPES = ['FAILED', 'REJECTED', 'TIMED_OUT', 'ALL'] as const;
const RETRY_FAILURE_TYPES = ['FAILED', 'TIMED_OUT', 'ALL'] as const;
const MAX_RETRIES = 10;
const MAX_IN_PROGRESS_MINUTES = 10_080;

export function parseJobConfig(body: Record<string, unknown>): JobConfig {
  const config: JobConfig = {};
  const presigned = objectMember(body, 'presignedUrlConfig');
  if (presigned) {
    const expiresInSec = numberMember(presigned, 'presignedUrlConfig.expiresInSec', { min: 60, max: 3600 });
    const roleArn = presigned.roleArn;
    if (roleArn !== undefined && typeof roleArn !== 'string') throw invalidRequest("Value at 'presignedUrlConfig.roleArn' must be a string");
    config.presignedUrlConfig = { ...(roleArn !== undefined ? { roleArn } : {}), ...(expiresInSec !== undefined ? { expiresInSec } : {}) };
  }
  const rollout = objectMember(body, 'jobExecutionsRolloutConfig');
  if (rollout) config.jobExecutionsRolloutConfig = parseRollout(rollout);
  const abort = objectMember(body, 'abortConfig');
  if (abort) config.abortConfig = { criteriaList: criteriaList(abort, 'abortConfig').map(parseAbortCriteria) };
  const timeout = objectMember(body, 'timeoutConfig');
  if (timeout) {
    const minutes = numberMember(timeout, 'timeoutConfig.inProgressTimeoutInMinutes', { min: 1, max: MAX_IN_PROGRESS_MINUTES, integer: true });
    config.timeoutConfig = minutes === undefined ? {} : { inProgressTimeoutInMinutes: minutes };
  }
  const retry = objectMember(body, 'jobExecutionsRetryConfig');
  if (retry) config.jobExecutionsRetryConfig = { criteriaList: criteriaList(retry, 'jobExecutionsRetryConfig').map(parseRetryCriteria) };
  return config;
}

function parseRollout(rollout: Record<string, unknown>): JobRolloutConfig {
  const config: JobRolloutConfig = {};
  const maximumPerMinute = numberMember(rollout, 'jobExecutionsRolloutConfig.maximumPerMinute', { min: 1, max: 1000, integer: true });
  if (maximumPerMinute !== undefined) config.maximumPerMinute = maximumPerMinute;
  const exponential = objectMember(rollout, 'exponentialRate');
  if (exponential) {
    const member = 'jobExecutionsRolloutConfig.exponentialRate';
    const baseRatePerMinute = numberMember(exponential, `${member}.baseRatePerMinute`, { min: 1, max: 1000, integer: true, required: true })!;
    const incrementFactor = numberMember(exponential, `${member}.incrementFactor`, { min: 1.1, max: 5, required: true })!;
    if (Math.round(incrementFactor * 10) !== incrementFactor * 10) throw invalidRequest(`${member}.incrementFactor allows one decimal place, got ${incrementFactor}`);
    const criteria = objectMember(exponential, 'rateIncreaseCriteria');
    if (!criteria) throw constraintViolation('null', `${member}.rateIncreaseCriteria`, 'Member must not be null');
    const numberOfNotifiedThings = numberMember(criteria, `${member}.rateIncreaseCriteria.numberOfNotifiedThings`, { min: 1, integer: true });
    const numberOfSucceededThings = numberMember(criteria, `${member}.rateIncreaseCriteria.numberOfSucceededThings`, { min: 1, integer: true });
    if (numberOfNotifiedThings === undefined && numberOfSucceededThings === undefined) {
      throw invalidRequest('rateIncreaseCriteria needs numberOfNotifiedThings or numberOfSucceededThings');
    }
    config.exponentialRate = {
      baseRatePerMinute,
      incrementFactor,
      rateIncreaseCriteria: {
        ...(numberOfNotifiedThings !== undefined ? { numberOfNotifiedThings } : {}),
        ...(numberOfSucceededThings !== undefined ? { numberOfSucceededThings } : {}),
      },
    };
  }
  return config;
}

function parseAbortCriteria(criteria: Record<string, unknown>, index: number): JobAbortCriteria {
  const member = `abortConfig.criteriaList.${index + 1}`;
  return {
    failureType: enumMember(criteria, `${member}.failureType`, 'failureType', FAILURE_TYPES),
    action: enumMember(criteria, `${member}.action`, 'action', ['CANCEL'] as const),
    thresholdPercentage: numberMember(criteria, `${member}.thresholdPercentage`, { min: 0, max: 100, required: true })!,
    minNumberOfExecutedThings: numberMember(criteria, `${member}.minNumberOfExecutedThings`, { min: 1, integer: true, required: true })!,
  };
}

function parseRetryCriteria(criteria: Record<string, unknown>, index: number): JobRetryCriteria {
  const member = `jobExecutionsRetryConfig.criteriaList.${index + 1}`;
  return {
    failureType: enumMember(criteria, `${member}.failureType`, 'failureType', RETRY_FAILURE_TYPES),
    numberOfRetries: numberMember(criteria, `${member}.numberOfRetries`, { min: 0, max: MAX_RETRIES, integer: true, required: true })!,
  };
}

function objectMember(body: Record<string, unknown>, name: string): Record<string, unknown> | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidRequest(`Value at '${name}' must be an object`);
  return value as Record<string, unknown>;
}

function criteriaList(container: Record<string, unknown>, member: string): Record<string, unknown>[] {
  const list = container.criteriaList;
  if (!Array.isArray(list) || list.length === 0) throw constraintViolation(String(list ?? 'null'), `${member}.criteriaList`, 'Member must have length greater than or equal to 1');
  return list.map((entry, index) => {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw invalidRequest(`Value at '${member}.criteriaList.${index + 1}' must be an object`);
    return entry as Record<string, unknown>;
  });
}

function numberMember(
  container: Record<string, unknown>,
  member: string,
  rules: { min?: number; max?: number; integer?: boolean; required?: boolean },
): number | undefined {
  const name = member.slice(member.lastIndexOf('.') + 1);
  const value = container[name];
  if (value === undefined || value === null) {
    if (rules.required) throw constraintViolation('null', member, 'Member must not be null');
    return undefined;
  }
  if (typeof value !== 'number' || !Number.isFinite(value) || (rules.integer && !Number.isInteger(value))) {
    throw invalidRequest(`Value '${String(value)}' at '${member}' is not a valid ${rules.integer ? 'integer' : 'number'}`);
  }
  if (rules.min !== undefined && value < rules.min) throw constraintViolation(String(value), member, `Member must have value greater than or equal to ${rules.min}`);
  if (rules.max !== undefined && value > rules.max) throw constraintViolation(String(value), member, `Member must have value less than or equal to ${rules.max}`);
  return value;
}

function enumMember<T extends string>(container: Record<string, unknown>, member: string, name: string, allowed: readonly T[]): T {
  const value = container[name];
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw constraintViolation(String(value ?? 'null'), member, `Member must satisfy enum value set: [${allowed.join(', ')}]`);
  }
  return value as T;
}
