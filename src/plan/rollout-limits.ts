/**
 * Limits for each wave's AWS IoT job, within what the Jobs API accepts
 * (job-configurations-api): at most 1,000 executions started per minute, abort once a
 * share of executed devices failed (it cancels queued executions, not running ones),
 * an in-progress timeout from 1 minute to 7 days, and at most 10 retries.
 */
export interface RolloutLimits {
  maximumPerMinute: number;
  abortThresholdPercentage: number;
  /** Failures are only judged once this many devices ran; defaults to the canary size. */
  abortMinimumExecutedThings: number | undefined;
  inProgressTimeoutMinutes: number;
  numberOfRetries: number;
  /** Later waves that take again the devices a wave rolled back, before they are quarantined. */
  retryWaves: number;
  /** Pause before a retry wave, so a passing cause (a flaky link, a busy hub) can clear. */
  retryCoolDownSeconds: number;
  /** How long a device's update agent waits for IoT Hub before it boots the old firmware again. */
  azureConnectTimeoutSeconds: number;
}

export const DEFAULT_ROLLOUT_LIMITS: RolloutLimits = {
  maximumPerMinute: 1_000,
  abortThresholdPercentage: 10,
  abortMinimumExecutedThings: undefined,
  // Long enough for a download, a flash and a reboot onto IoT Hub; a hung device must
  // not keep a wave "in progress" for ever.
  inProgressTimeoutMinutes: 30,
  numberOfRetries: 2,
  retryWaves: 2,
  retryCoolDownSeconds: 300,
  azureConnectTimeoutSeconds: 300,
};

export function rolloutLimitsProblem(limits: RolloutLimits): string | undefined {
  const whole = (value: number, min: number, max: number) => Number.isInteger(value) && value >= min && value <= max;
  if (!whole(limits.maximumPerMinute, 1, 1_000)) return '--max-per-minute must be a whole number from 1 to 1000 (the AWS IoT Jobs limit)';
  if (!(limits.abortThresholdPercentage > 0 && limits.abortThresholdPercentage <= 100)) return '--abort-threshold must be a percentage above 0 and at most 100';
  if (limits.abortMinimumExecutedThings !== undefined && !whole(limits.abortMinimumExecutedThings, 1, Number.MAX_SAFE_INTEGER)) {
    return '--abort-min-executed must be a whole number of at least 1';
  }
  if (!whole(limits.inProgressTimeoutMinutes, 1, 10_080)) return '--in-progress-timeout must be whole minutes from 1 to 10080 (7 days)';
  if (!whole(limits.numberOfRetries, 0, 10)) return '--retries must be a whole number from 0 to 10';
  if (!whole(limits.retryWaves, 0, 10)) return '--retry-waves must be a whole number from 0 to 10';
  if (!whole(limits.retryCoolDownSeconds, 0, 86_400)) return '--retry-cool-down must be whole seconds from 0 to 86400';
  // The agent must give up on IoT Hub and report FAILED before AWS times the execution out.
  if (!whole(limits.azureConnectTimeoutSeconds, 1, limits.inProgressTimeoutMinutes * 60 - 1)) {
    return `--azure-connect-timeout must be whole seconds from 1 to ${limits.inProgressTimeoutMinutes * 60 - 1}, below --in-progress-timeout`;
  }
  return undefined;
}
