import { describe, expect, it } from 'vitest';
import { createTokenBucket } from './token-bucket.js';

describe('createTokenBucket', () => {
  const clock = () => {
    let now = 1_000;
    return { nowMs: () => now, advance: (ms: number) => (now += ms) };
  };
  const takeAll = (bucket: { tryTake(): boolean }, attempts: number) =>
    Array.from({ length: attempts }, () => bucket.tryTake()).filter(Boolean).length;

  it('allows a burst of `rate` requests, then throttles', () => {
    const { nowMs } = clock();
    const bucket = createTokenBucket({ ratePerSecond: 5, nowMs });
    expect(takeAll(bucket, 8)).toBe(5);
  });

  it('refills continuously at the rate, never beyond the burst', () => {
    const { nowMs, advance } = clock();
    const bucket = createTokenBucket({ ratePerSecond: 10, nowMs });
    takeAll(bucket, 10);
    advance(250);
    expect(takeAll(bucket, 10)).toBe(2);
    advance(50);
    expect(takeAll(bucket, 10)).toBe(1);
    advance(60_000);
    expect(takeAll(bucket, 100)).toBe(10);
  });

  it('keeps fractional tokens between requests', () => {
    const { nowMs, advance } = clock();
    const bucket = createTokenBucket({ ratePerSecond: 2, burst: 1, nowMs });
    expect(bucket.tryTake()).toBe(true);
    advance(300);
    expect(bucket.tryTake()).toBe(false);
    advance(200);
    expect(bucket.tryTake()).toBe(true);
  });

  it('rejects a rate that is not positive', () => {
    expect(() => createTokenBucket({ ratePerSecond: 0 })).toThrow(RangeError);
  });
});
