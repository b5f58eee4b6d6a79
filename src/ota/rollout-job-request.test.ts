import { describe, expect, it } from 'vitest';
import { cutoverCreateJobInput } from './rollout-job-request.js';
import { rolloutSettingsFor } from './rollout-settings.js';

const settings = rolloutSettingsFor(
  {
    maximumPerMinute: 200,
    abort: { failureType: 'ALL', thresholdPercentage: 10, minimumExecutedThings: 5 },
    inProgressTimeoutMinutes: 30,
    retries: { failureTypes: ['FAILED', 'TIMED_OUT'], numberOfRetries: 2 },
    stragglers: { retryWaves: 2, coolDownSeconds: 300 },
    azureConnectTimeoutSeconds: 120,
  },
  { maximumPerMinute: 50 },
);

describe('cutoverCreateJobInput', () => {
  it("puts the plan's whole rollout policy into a planned wave's job", () => {
    expect(
      cutoverCreateJobInput({
        jobId: 'iotmigrate-0a1b2c3d-w1',
        thingArns: ['arn:aws:iot:eu-west-1:123456789012:thing/t1'],
        document: '{"operation":"iotmigrate-cutover"}',
        settings,
        presignRoleArn: 'arn:aws:iam::123456789012:role/iotmigrate-ota-presign',
        abortOnFailures: true,
        description: 'canary',
      }),
    ).toEqual({
      jobId: 'iotmigrate-0a1b2c3d-w1',
      targets: ['arn:aws:iot:eu-west-1:123456789012:thing/t1'],
      document: '{"operation":"iotmigrate-cutover"}',
      description: 'canary',
      targetSelection: 'SNAPSHOT',
      presignedUrlConfig: { roleArn: 'arn:aws:iam::123456789012:role/iotmigrate-ota-presign', expiresInSec: 3600 },
      jobExecutionsRolloutConfig: { maximumPerMinute: 50 },
      abortConfig: { criteriaList: [{ failureType: 'ALL', action: 'CANCEL', thresholdPercentage: 10, minNumberOfExecutedThings: 5 }] },
      timeoutConfig: { inProgressTimeoutInMinutes: 30 },
      jobExecutionsRetryConfig: {
        criteriaList: [
          { failureType: 'FAILED', numberOfRetries: 2 },
          { failureType: 'TIMED_OUT', numberOfRetries: 2 },
        ],
      },
    });
  });

  it('leaves the abort out of retry waves, and the retry config out when the plan has no retries', () => {
    const input = cutoverCreateJobInput({
      jobId: 'iotmigrate-0a1b2c3d-r1',
      thingArns: ['arn:aws:iot:eu-west-1:123456789012:thing/t1'],
      document: '{}',
      settings: { ...settings, retries: { failureTypes: ['FAILED'], numberOfRetries: 0 } },
      presignRoleArn: undefined,
      abortOnFailures: false,
      description: 'retry-1',
    });
    expect(input).not.toHaveProperty('abortConfig');
    expect(input).not.toHaveProperty('jobExecutionsRetryConfig');
    expect(input).not.toHaveProperty('presignedUrlConfig');
  });
});
