import type { CreateJobCommandInput } from '@aws-sdk/client-iot';
import type { RolloutSettings } from './rollout-settings.js';

/** How long the presigned bundle URL in a device's copy of the document lives (AWS allows 60 to 3600 s). */
export const PRESIGNED_URL_SECONDS = 3600;

export interface CutoverJobRequest {
  jobId: string;
  thingArns: readonly string[];
  /** The cutover job document, rendered (compact JSON within AWS's 32 KB). */
  document: string;
  settings: RolloutSettings;
  /** The IAM role AWS IoT presigns the bundle URL with; needed when the document holds a placeholder. */
  presignRoleArn: string | undefined;
  /**
   * Planned waves carry the abort threshold, so AWS cancels a wave's queued executions
   * the moment its failures cross it. Retry waves do not: they take devices that failed
   * before, where failures are expected and each device is judged on its own.
   */
  abortOnFailures: boolean;
  description: string;
}

/** One wave's CreateJob input: the whole rollout policy of the plan, as AWS IoT Jobs runs it. */
export function cutoverCreateJobInput(request: CutoverJobRequest): CreateJobCommandInput {
  const { settings } = request;
  return {
    jobId: request.jobId,
    targets: [...request.thingArns],
    document: request.document,
    description: request.description,
    targetSelection: 'SNAPSHOT',
    ...(request.presignRoleArn ? { presignedUrlConfig: { roleArn: request.presignRoleArn, expiresInSec: PRESIGNED_URL_SECONDS } } : {}),
    jobExecutionsRolloutConfig: { maximumPerMinute: settings.maximumPerMinute },
    ...(request.abortOnFailures
      ? {
          abortConfig: {
            criteriaList: [
              {
                failureType: 'ALL',
                action: 'CANCEL',
                thresholdPercentage: settings.abortThresholdPercent,
                minNumberOfExecutedThings: settings.abortMinimumExecutedThings,
              },
            ],
          },
        }
      : {}),
    timeoutConfig: { inProgressTimeoutInMinutes: settings.inProgressTimeoutMinutes },
    ...(settings.retries.numberOfRetries > 0 && settings.retries.failureTypes.length > 0
      ? {
          jobExecutionsRetryConfig: {
            criteriaList: settings.retries.failureTypes.map((failureType) => ({ failureType, numberOfRetries: settings.retries.numberOfRetries })),
          },
        }
      : {}),
  };
}
