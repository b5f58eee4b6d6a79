import { describe, expect, it } from 'vitest';
import { rolloutOverridesProblem, rolloutSettingsFor } from './rollout-settings.js';

const rollout = {
  maximumPerMinute: 200,
  abort: { failureType: 'ALL' as const, thresholdPercentage: 10, minimumExecutedThings: 5 },
  inProgressTimeoutMinutes: 30,
  retries: { failureTypes: ['FAILED' as const], numberOfRetries: 2 },
  stragglers: { retryWaves: 2, coolDownSeconds: 300 },
  azureConnectTimeoutSeconds: 120,
};

describe('rollout settings', () => {
  it("take plan.json's rollout, with apply's flags over it for this run", () => {
    expect(rolloutSettingsFor(rollout)).toMatchObject({ maximumPerMinute: 200, abortThresholdPercent: 10, coolDownSeconds: 300, pollIntervalSeconds: 5 });
    expect(rolloutSettingsFor(rollout, { maximumPerMinute: 50, abortThresholdPercent: 25, coolDownSeconds: 0, pollIntervalSeconds: 1 })).toMatchObject({
      maximumPerMinute: 50,
      abortThresholdPercent: 25,
      coolDownSeconds: 0,
      pollIntervalSeconds: 1,
    });
  });

  it('refuse flags AWS IoT Jobs would refuse, in the words of the flags', () => {
    expect(rolloutOverridesProblem({ maximumPerMinute: 1001 })).toContain('--max-per-minute must be a whole number from 1 to 1000');
    expect(rolloutOverridesProblem({ abortThresholdPercent: 0 })).toContain('--abort-failure-percent');
    expect(rolloutOverridesProblem({ coolDownSeconds: -1 })).toContain('--retry-cool-down');
    expect(rolloutOverridesProblem({ pollIntervalSeconds: Number.NaN })).toContain('--poll-interval');
    expect(rolloutOverridesProblem({ maximumPerMinute: 1000, abortThresholdPercent: 12.5, coolDownSeconds: 0, pollIntervalSeconds: 0.2 })).toBeUndefined();
  });
});
