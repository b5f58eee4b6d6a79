import type { RolloutControl } from './apply-stage.js';

/** The rollout's pause switch: flipped by the TUI's `p` key, read by the rollout stage between waves. */
export function createRolloutControl(onChange: (paused: boolean) => void = () => {}): RolloutControl {
  let paused = false;
  let resumed: { promise: Promise<void>; resolve: () => void } | undefined;
  return {
    get paused() {
      return paused;
    },
    pause() {
      if (paused) return;
      paused = true;
      let resolve!: () => void;
      const promise = new Promise<void>((done) => (resolve = done));
      resumed = { promise, resolve };
      onChange(true);
    },
    resume() {
      if (!paused) return;
      paused = false;
      resumed?.resolve();
      resumed = undefined;
      onChange(false);
    },
    async whilePaused(signal: AbortSignal) {
      if (!paused || !resumed || signal.aborted) return;
      await new Promise<void>((resolve) => {
        const onAbort = () => resolve();
        signal.addEventListener('abort', onAbort, { once: true });
        resumed!.promise.then(() => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        });
      });
    },
  };
}
