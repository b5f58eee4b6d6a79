import { describe, expect, it } from 'vitest';
import { SlidingCounter } from './sliding-counter.js';

describe('SlidingCounter', () => {
  it('counts what happened within the window and forgets what is older', () => {
    const counter = new SlidingCounter(1000);
    counter.add(10_000);
    counter.add(10_400, 3);
    expect(counter.count(10_900)).toBe(4);
    expect(counter.count(11_020)).toBe(3);
    expect(counter.count(11_450)).toBe(0);
  });

  it('starts from zero after a long silence', () => {
    const counter = new SlidingCounter(1000);
    counter.add(5_000, 7);
    counter.add(60_000);
    expect(counter.count(60_010)).toBe(1);
  });
});
