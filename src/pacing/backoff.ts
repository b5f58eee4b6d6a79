/**
 * Exponential backoff with "full jitter" (a uniform draw between 0 and the exponential
 * ceiling), the variant AWS recommends for throttled clients: retries of many callers
 * that were throttled together spread out instead of arriving together again.
 */
export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
}

export const THROTTLE_BACKOFF: BackoffPolicy = { baseMs: 20, capMs: 2_000 };
export const TRANSIENT_BACKOFF: BackoffPolicy = { baseMs: 200, capMs: 5_000 };

/** Delay before retry number `attempt` (1 for the first retry). */
export function fullJitterDelayMs(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(random() * ceiling);
}
