import type { Plan } from '../plan/schema.js';

/**
 * What one run of the rollout works with: the plan's rollout section, with the few
 * values apply's flags may override for this run (the AWS rollout cap, the failure
 * threshold, the retry cool-down) and the watch loop's pace.
 */
export interface RolloutSettings {
  maximumPerMinute: number;
  /** A planned wave whose failures exceed this share of its finished devices stops the rollout (also AWS's abort threshold). */
  abortThresholdPercent: number;
  abortMinimumExecutedThings: number;
  inProgressTimeoutMinutes: number;
  retries: Plan['rollout']['retries'];
  retryWaves: number;
  coolDownSeconds: number;
  /** How long the device's agent waits for IoT Hub: also how long a SUCCEEDED execution may wait for IoT Hub to agree. */
  azureConnectTimeoutSeconds: number;
  pollIntervalSeconds: number;
}

export interface RolloutOverrides {
  maximumPerMinute?: number;
  abortThresholdPercent?: number;
  coolDownSeconds?: number;
  pollIntervalSeconds?: number;
}

export const DEFAULT_POLL_INTERVAL_SECONDS = 5;

export function rolloutSettingsFor(rollout: Plan['rollout'], overrides: RolloutOverrides = {}): RolloutSettings {
  return {
    maximumPerMinute: overrides.maximumPerMinute ?? rollout.maximumPerMinute,
    abortThresholdPercent: overrides.abortThresholdPercent ?? rollout.abort.thresholdPercentage,
    abortMinimumExecutedThings: rollout.abort.minimumExecutedThings,
    inProgressTimeoutMinutes: rollout.inProgressTimeoutMinutes,
    retries: rollout.retries,
    retryWaves: rollout.stragglers.retryWaves,
    coolDownSeconds: overrides.coolDownSeconds ?? rollout.stragglers.coolDownSeconds,
    azureConnectTimeoutSeconds: rollout.azureConnectTimeoutSeconds,
    pollIntervalSeconds: overrides.pollIntervalSeconds ?? DEFAULT_POLL_INTERVAL_SECONDS,
  };
}

/** The flag checks, in the words of the flags: undefined when the overrides are usable. */
export function rolloutOverridesProblem(overrides: RolloutOverrides): string | undefined {
  const whole = (value: number | undefined, min: number, max: number) => value === undefined || (Number.isInteger(value) && value >= min && value <= max);
  if (!whole(overrides.maximumPerMinute, 1, 1000)) return '--max-per-minute must be a whole number from 1 to 1000 (the AWS IoT Jobs limit)';
  const percent = overrides.abortThresholdPercent;
  if (percent !== undefined && !(Number.isFinite(percent) && percent > 0 && percent <= 100)) return '--abort-failure-percent must be a percentage above 0 and at most 100';
  if (!whole(overrides.coolDownSeconds, 0, 86_400)) return '--retry-cool-down must be whole seconds from 0 to 86400';
  const poll = overrides.pollIntervalSeconds;
  if (poll !== undefined && !(Number.isFinite(poll) && poll >= 0.1 && poll <= 300)) return '--poll-interval must be seconds from 0.1 to 300';
  return undefined;
}
