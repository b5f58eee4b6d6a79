import { describe, expect, it } from 'vitest';
import { fullJitterDelayMs } from './backoff.js';

const policy = { baseMs: 20, capMs: 500 };

describe('fullJitterDelayMs', () => {
  it('draws between zero and an exponentially growing ceiling', () => {
    expect(fullJitterDelayMs(1, policy, () => 0.999)).toBe(20);
    expect(fullJitterDelayMs(2, policy, () => 0.999)).toBe(40);
    expect(fullJitterDelayMs(4, policy, () => 0.5)).toBe(80);
    expect(fullJitterDelayMs(3, policy, () => 0)).toBe(0);
  });

  it('never exceeds the cap, however many retries', () => {
    expect(fullJitterDelayMs(60, policy, () => 0.999)).toBeLessThanOrEqual(500);
  });
});
