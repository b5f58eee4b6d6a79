import type { EmitProgress } from '../progress/events.js';

/**
 * Counts one resource's progress and emits `progress` events: at every whole percent of
 * the total (so a small fleet reports each item and a large one a hundred times), at
 * least once a second while items complete, and once at the end. The rate is items per
 * second over the last few seconds.
 */
const MIN_INTERVAL_MS = 1_000;
const RATE_WINDOW_MS = 5_000;
const MIN_RATE_SPAN_MS = 200;

export class ProgressMeter {
  private done: number;
  private lastEmitAt: number;
  private lastEmittedPercent: number;
  private lastEmittedDone = -1;
  private windowStart: { time: number; done: number };
  private previousEmit: { time: number; done: number };

  constructor(
    private readonly emit: EmitProgress,
    private readonly resource: string,
    private readonly total: number | undefined,
    alreadyDone = 0,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.done = alreadyDone;
    this.lastEmittedPercent = this.percent();
    this.lastEmitAt = now();
    this.windowStart = { time: this.lastEmitAt, done: alreadyDone };
    this.previousEmit = this.windowStart;
  }

  advance(count = 1): void {
    this.done += count;
    const percent = this.percent();
    const time = this.now();
    const complete = this.total !== undefined && this.done >= this.total;
    if (complete || percent > this.lastEmittedPercent || time - this.lastEmitAt >= MIN_INTERVAL_MS) this.send(time, percent);
  }

  /** Reports the final count, unless it was just reported. */
  finish(): void {
    if (this.done !== this.lastEmittedDone) this.send(this.now(), this.percent());
  }

  private percent(): number {
    return this.total ? Math.floor((this.done * 100) / this.total) : -1;
  }

  private send(time: number, percent: number): void {
    if (time - this.windowStart.time > RATE_WINDOW_MS) this.windowStart = this.previousEmit;
    const span = time - this.windowStart.time;
    const ratePerSecond = span >= MIN_RATE_SPAN_MS ? Math.round(((this.done - this.windowStart.done) * 10_000) / span) / 10 : undefined;
    this.emit({
      type: 'progress',
      stage: 'detect',
      resource: this.resource,
      done: this.done,
      ...(this.total !== undefined ? { total: this.total } : {}),
      ...(ratePerSecond !== undefined ? { ratePerSecond } : {}),
    });
    this.lastEmitAt = time;
    this.lastEmittedPercent = percent;
    this.lastEmittedDone = this.done;
    this.previousEmit = { time, done: this.done };
  }
}
