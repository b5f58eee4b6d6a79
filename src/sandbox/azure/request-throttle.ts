/**
 * The `--api-rate` limit on the hub's service API: `ratePerSecond` requests a second,
 * with a burst of as many, refilled continuously. IoT Hub throttles per operation family
 * and per unit; one shared rate is enough to make callers meet 429s and back off.
 */
export interface RequestThrottle {
  /** Takes one request's worth; false when the caller is over the rate. */
  tryTake(): boolean;
}

export function createRequestThrottle(ratePerSecond: number, nowMs: () => number = () => performance.now()): RequestThrottle {
  if (!(ratePerSecond > 0)) throw new RangeError(`ratePerSecond must be positive, got ${ratePerSecond}`);
  let tokens = ratePerSecond;
  let refilledAt = nowMs();
  return {
    tryTake() {
      const now = nowMs();
      tokens = Math.min(ratePerSecond, tokens + ((now - refilledAt) / 1000) * ratePerSecond);
      refilledAt = now;
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
  };
}
