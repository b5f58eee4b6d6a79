import { describe, expect, it } from 'vitest';
import { createRolloutControl } from './rollout-control.js';

describe('createRolloutControl', () => {
  it('holds whilePaused until resumed, and tells each change once', async () => {
    const changes: boolean[] = [];
    const control = createRolloutControl((paused) => changes.push(paused));
    await control.whilePaused(new AbortController().signal);
    control.pause();
    control.pause();
    let released = false;
    const waiting = control.whilePaused(new AbortController().signal).then(() => (released = true));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(released).toBe(false);
    control.resume();
    await waiting;
    expect(released).toBe(true);
    expect(changes).toEqual([true, false]);
  });

  it('lets an abort end the wait', async () => {
    const control = createRolloutControl();
    control.pause();
    const abort = new AbortController();
    const waiting = control.whilePaused(abort.signal);
    abort.abort();
    await waiting;
    expect(control.paused).toBe(true);
  });
});
