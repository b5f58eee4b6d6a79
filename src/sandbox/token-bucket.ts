/**
 * The request-rate limit AWS IoT enforces per account, as a token bucket: `ratePerSecond`
 * tokens refill continuously up to `burst`; a request that finds no whole token is
 * throttled. `nowMs` is injectable so the refill arithmetic is tested without waiting.
 */
export interface TokenBucket {
  /** Takes one token; false when the caller is over the rate. */
  tryTake(): boolean;
}

export function createTokenBucket(options: { ratePerSecond: number; burst?: number; nowMs?: () => number }): TokenBucket {
  const { ratePerSecond } = options;
  if (!(ratePerSecond > 0)) throw new RangeError(`ratePerSecond must be positive, got ${ratePerSecond}`);
  const burst = options.burst ?? ratePerSecond;
  const nowMs = options.nowMs ?? (() => performance.now());
  let tokens = burst;
  let refilledAt = nowMs();
  return {
    tryTake() {
      const now = nowMs();
      tokens = Math.min(burst, tokens + ((now - refilledAt) / 1000) * ratePerSecond);
      refilledAt = now;
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
  };
}
