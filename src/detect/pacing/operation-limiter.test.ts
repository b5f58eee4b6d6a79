import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { OperationLimiter, type LimiterPermit } from './operation-limiter.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const now = () => Date.now();

async function acquireAll(limiter: OperationLimiter, count: number): Promise<LimiterPermit[]> {
  const permits: LimiterPermit[] = [];
  for (let index = 0; index < count; index += 1) void limiter.acquire().then((permit) => permits.push(permit));
  await vi.advanceTimersByTimeAsync(0);
  return permits;
}

describe('OperationLimiter', () => {
  it('lets up to maxConcurrency calls through unpaced, and the next one when a call ends', async () => {
    const limiter = new OperationLimiter({ maxConcurrency: 3, now });
    const permits = await acquireAll(limiter, 5);
    expect(permits).toHaveLength(3);
    limiter.release(permits[0]!, 'success');
    await vi.advanceTimersByTimeAsync(0);
    expect(permits).toHaveLength(4);
    expect(limiter.state()).toMatchObject({ inFlight: 3, queued: 1, ratePerSecond: undefined });
  });

  it('on the first throttle halves the window and paces at the success rate measured so far', async () => {
    const limiter = new OperationLimiter({ maxConcurrency: 8, now });
    for (let index = 0; index < 40; index += 1) {
      const permit = await limiter.acquire();
      vi.advanceTimersByTime(25);
      limiter.release(permit, 'success');
    }
    const throttled = await limiter.acquire();
    limiter.release(throttled, 'throttled');
    const state = limiter.state();
    expect(state.window).toBe(4);
    // 40 successes 25 ms apart, of which the last second holds 40: about 40 per second.
    expect(state.ratePerSecond).toBeGreaterThan(36);
    expect(state.ratePerSecond).toBeLessThan(44);
  });

  it('spaces dispatches by the pace once throttled', async () => {
    const limiter = new OperationLimiter({ maxConcurrency: 100, now });
    for (let index = 0; index < 10; index += 1) {
      const permit = await limiter.acquire();
      vi.advanceTimersByTime(100);
      limiter.release(permit, 'success');
    }
    limiter.release(await limiter.acquire(), 'throttled');
    const rate = limiter.state().ratePerSecond!;
    const times: number[] = [];
    for (let index = 0; index < 20; index += 1) void limiter.acquire().then(() => times.push(Date.now()));
    await vi.advanceTimersByTimeAsync(5_000);
    expect(times).toHaveLength(20);
    const span = times[times.length - 1]! - times[0]!;
    // The burst credit may let the first couple through together; the rest keep the pace.
    expect(span).toBeGreaterThanOrEqual((17 * 1000) / rate);
  });

  it('cuts only for throttles of calls dispatched after the latest cut', async () => {
    const limiter = new OperationLimiter({ maxConcurrency: 16, now });
    for (let index = 0; index < 20; index += 1) {
      const permit = await limiter.acquire();
      vi.advanceTimersByTime(10);
      limiter.release(permit, 'success');
    }
    const inFlight = await acquireAll(limiter, 6);
    vi.advanceTimersByTime(1);
    limiter.release(inFlight[0]!, 'throttled');
    const afterFirstCut = limiter.state();
    for (const permit of inFlight.slice(1)) limiter.release(permit, 'throttled');
    expect(limiter.state()).toMatchObject({ window: afterFirstCut.window, ratePerSecond: afterFirstCut.ratePerSecond });
  });

  it('grows the pace back while calls are queued and nothing is throttled', async () => {
    const limiter = new OperationLimiter({ maxConcurrency: 4, now });
    for (let index = 0; index < 20; index += 1) {
      const permit = await limiter.acquire();
      vi.advanceTimersByTime(50);
      limiter.release(permit, 'success');
    }
    limiter.release(await limiter.acquire(), 'throttled');
    const paced = limiter.state().ratePerSecond!;
    let stop = false;
    const loop = async () => {
      while (!stop) {
        const permit = await limiter.acquire();
        await new Promise((resolve) => setTimeout(resolve, 5));
        limiter.release(permit, 'success');
      }
    };
    const loops = [loop(), loop(), loop(), loop(), loop(), loop()];
    await vi.advanceTimersByTimeAsync(3_000);
    stop = true;
    await vi.advanceTimersByTimeAsync(1_000);
    await Promise.all(loops);
    // 10% per second for three seconds.
    expect(limiter.state().ratePerSecond).toBeGreaterThan(paced * 1.25);
    expect(limiter.state().ratePerSecond).toBeLessThan(paced * 1.5);
  });

  it('puts a retry at the front of the queue', async () => {
    const limiter = new OperationLimiter({ maxConcurrency: 1, now });
    const first = await limiter.acquire();
    const order: string[] = [];
    void limiter.acquire().then((permit) => {
      order.push('queued');
      limiter.release(permit, 'success');
    });
    void limiter.acquire({ retry: true }).then((permit) => {
      order.push('retry');
      limiter.release(permit, 'success');
    });
    limiter.release(first, 'success');
    await vi.advanceTimersByTimeAsync(0);
    expect(order).toEqual(['retry', 'queued']);
  });

  it('rejects a waiting call with the abort reason and forgets it', async () => {
    const limiter = new OperationLimiter({ maxConcurrency: 1, now });
    const held = await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire({ signal: controller.signal });
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    expect(limiter.state().queued).toBe(0);
    limiter.release(held, 'success');
    expect(limiter.state().inFlight).toBe(0);
  });

  it('probes upwards from a minimal pace when throttled before anything succeeded', async () => {
    const limiter = new OperationLimiter({ maxConcurrency: 4, now });
    limiter.release(await limiter.acquire(), 'throttled');
    expect(limiter.state().ratePerSecond).toBe(1);
    let stop = false;
    const loop = async () => {
      while (!stop) limiter.release(await limiter.acquire(), 'success');
    };
    const loops = [loop(), loop()];
    await vi.advanceTimersByTimeAsync(5_000);
    stop = true;
    await vi.advanceTimersByTimeAsync(2_000);
    await Promise.all(loops);
    // Doubling per second: five seconds take it well past 10/s.
    expect(limiter.state().ratePerSecond).toBeGreaterThan(10);
  });
});
