import { describe, expect, it } from 'vitest';
import { forEachConcurrently } from './pool.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe('forEachConcurrently', () => {
  it('visits every item with no more than the given number in progress', async () => {
    let running = 0;
    let peak = 0;
    const seen: number[] = [];
    await forEachConcurrently([1, 2, 3, 4, 5, 6, 7], 3, async (item) => {
      running += 1;
      peak = Math.max(peak, running);
      await tick();
      seen.push(item);
      running -= 1;
    });
    expect(seen.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(peak).toBe(3);
  });

  it('starts nothing new after a failure and throws the first one', async () => {
    const started: number[] = [];
    const run = forEachConcurrently([1, 2, 3, 4, 5, 6], 2, async (item) => {
      started.push(item);
      await tick();
      if (item === 2) throw new Error('boom 2');
      if (item === 3) throw new Error('boom 3');
    });
    await expect(run).rejects.toThrow('boom 2');
    expect(started).toEqual([1, 2, 3]);
  });
});
