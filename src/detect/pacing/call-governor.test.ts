import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CallGovernor, isThrottlingError, isTransientError, MAX_TRANSIENT_RETRIES } from './call-governor.js';
import { forEachConcurrently } from '../../pacing/pool.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const now = () => Date.now();

function awsError(name: string, status: number): Error {
  return Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
}

/** AWS-style quota: a token bucket holding one second of tokens; rejected calls cost none. */
function tokenBucketServer(ratePerSecond: number, latencyMs: number) {
  let tokens = ratePerSecond;
  let last = Date.now();
  let served = 0;
  let rejected = 0;
  return {
    stats: () => ({ served, rejected }),
    async handle(): Promise<string> {
      await new Promise((resolve) => setTimeout(resolve, latencyMs));
      const time = Date.now();
      tokens = Math.min(ratePerSecond, tokens + ((time - last) * ratePerSecond) / 1000);
      last = time;
      if (tokens < 1) {
        rejected += 1;
        throw awsError('ThrottlingException', 429);
      }
      tokens -= 1;
      served += 1;
      return 'ok';
    },
  };
}

/** A quota counted per fixed one-second window: once spent, everything fails until the next. */
function fixedWindowServer(ratePerSecond: number, latencyMs: number) {
  let windowStart = Date.now();
  let count = 0;
  let served = 0;
  return {
    stats: () => ({ served }),
    async handle(): Promise<string> {
      await new Promise((resolve) => setTimeout(resolve, latencyMs));
      const time = Date.now();
      if (time - windowStart >= 1000) {
        windowStart = time - ((time - windowStart) % 1000);
        count = 0;
      }
      count += 1;
      if (count > ratePerSecond) throw awsError('ThrottlingException', 429);
      served += 1;
      return 'ok';
    },
  };
}

describe('error classification', () => {
  it('knows throttling by name, by status 429 and by the SDK retryable flag', () => {
    expect(isThrottlingError(awsError('ThrottlingException', 400))).toBe(true);
    expect(isThrottlingError(awsError('Unknown', 429))).toBe(true);
    expect(isThrottlingError(Object.assign(new Error('x'), { $retryable: { throttling: true } }))).toBe(true);
    expect(isThrottlingError(awsError('AccessDeniedException', 403))).toBe(false);
  });

  it('treats 5xx, resets and timeouts as transient, refused connections and 4xx not', () => {
    expect(isTransientError(awsError('InternalFailureException', 500))).toBe(true);
    expect(isTransientError(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isTransientError(Object.assign(new Error('t'), { name: 'TimeoutError' }))).toBe(true);
    expect(isTransientError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toBe(false);
    expect(isTransientError(awsError('ResourceNotFoundException', 404))).toBe(false);
  });
});

describe('CallGovernor', () => {
  it('retries throttled calls until they pass and reports each throttle', async () => {
    const throttled: string[] = [];
    const governor = new CallGovernor({ maxConcurrency: 4, now, onThrottled: (operation) => throttled.push(operation) });
    let attempts = 0;
    const result = governor.call('DescribeThing', async () => {
      attempts += 1;
      if (attempts <= 3) throw awsError('ThrottlingException', 429);
      return 'described';
    });
    await vi.advanceTimersByTimeAsync(10_000);
    await expect(result).resolves.toBe('described');
    expect(throttled).toEqual(['DescribeThing', 'DescribeThing', 'DescribeThing']);
  });

  it('gives transient failures a few retries, then throws and remembers the operation', async () => {
    const governor = new CallGovernor({ maxConcurrency: 4, now });
    let attempts = 0;
    const failure = awsError('ServiceUnavailableException', 503);
    const result = governor.call(
      'GetPolicy',
      async () => {
        attempts += 1;
        throw failure;
      },
      'https://iot.eu-west-1.amazonaws.com',
    );
    const settled = result.catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(await settled).toBe(failure);
    expect(attempts).toBe(1 + MAX_TRANSIENT_RETRIES);
    expect(governor.failedCallOf(failure)).toEqual({ operation: 'GetPolicy', endpoint: 'https://iot.eu-west-1.amazonaws.com' });
  });

  it('throws other failures at once', async () => {
    const governor = new CallGovernor({ maxConcurrency: 4, now });
    let attempts = 0;
    const denied = awsError('AccessDeniedException', 403);
    await expect(
      governor.call('ListThings', async () => {
        attempts += 1;
        throw denied;
      }),
    ).rejects.toBe(denied);
    expect(attempts).toBe(1);
  });

  it('stops with the abort reason, also while backing off', async () => {
    const controller = new AbortController();
    const governor = new CallGovernor({ maxConcurrency: 1, now, signal: controller.signal });
    const result = governor.call('ListThings', async () => {
      throw awsError('ThrottlingException', 429);
    });
    const settled = result.catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(1);
    controller.abort(new Error('killed'));
    await vi.advanceTimersByTimeAsync(1);
    expect(await settled).toEqual(new Error('killed'));
    await expect(governor.call('ListThings', async () => 'never')).rejects.toThrow('killed');
  });

  it('keeps a token-bucket quota busy: within 10% of the fastest possible time', async () => {
    const rate = 50;
    const calls = 1_500;
    const server = tokenBucketServer(rate, 2);
    const governor = new CallGovernor({ maxConcurrency: 8, now });
    const started = Date.now();
    let finished: number | undefined;
    void forEachConcurrently(Array.from({ length: calls }, (_, index) => index), 16, async () => {
      await governor.call('GetThingShadow', () => server.handle());
    }).then(() => (finished = Date.now()));
    while (finished === undefined) await vi.advanceTimersByTimeAsync(50);
    // The bucket starts full: the first `rate` calls are free, the rest come at `rate` per second.
    const floorMs = ((calls - rate) / rate) * 1000;
    expect(server.stats().served).toBe(calls);
    expect(finished - started).toBeLessThan(floorMs / 0.9);
    // Throttles are the price of finding and tracking the quota, not most of the traffic.
    expect(server.stats().rejected).toBeLessThan(calls * 0.2);
  });

  it('keeps a quota counted in fixed one-second windows busy too', async () => {
    const rate = 50;
    const calls = 1_500;
    const server = fixedWindowServer(rate, 2);
    const governor = new CallGovernor({ maxConcurrency: 8, now });
    const started = Date.now();
    let finished: number | undefined;
    void forEachConcurrently(Array.from({ length: calls }), 16, async () => {
      await governor.call('ListThingPrincipals', () => server.handle());
    }).then(() => (finished = Date.now()));
    while (finished === undefined) await vi.advanceTimersByTimeAsync(50);
    expect(server.stats().served).toBe(calls);
    expect(finished - started).toBeLessThan(((calls / rate) * 1000) / 0.9);
  });

  it('lets different operations use their own quotas side by side', async () => {
    const rate = 40;
    const servers = { DescribeThing: tokenBucketServer(rate, 2), ListThingPrincipals: tokenBucketServer(rate, 2) };
    const governor = new CallGovernor({ maxConcurrency: 8, now });
    const started = Date.now();
    let finished: number | undefined;
    void Promise.all(
      Object.entries(servers).map(([operation, server]) =>
        forEachConcurrently(Array.from({ length: 600 }), 16, async () => {
          await governor.call(operation, () => server.handle());
        }),
      ),
    ).then(() => (finished = Date.now()));
    while (finished === undefined) await vi.advanceTimersByTimeAsync(50);
    expect(finished - started).toBeLessThan((((600 - rate) / rate) * 1000) / 0.9);
  });
});
