/**
 * Counts events over the last `windowMs` in fixed buckets: constant memory however many
 * events arrive, accurate to one bucket (a twentieth of the window).
 */
const BUCKETS = 20;

export class SlidingCounter {
  private readonly counts = new Array<number>(BUCKETS).fill(0);
  private readonly bucketMs: number;
  /** Index (time / bucketMs) of the newest bucket written. */
  private newest = Number.NEGATIVE_INFINITY;

  constructor(windowMs: number) {
    this.bucketMs = windowMs / BUCKETS;
  }

  add(now: number, count = 1): void {
    this.advance(now);
    this.counts[Math.floor(now / this.bucketMs) % BUCKETS]! += count;
  }

  count(now: number): number {
    this.advance(now);
    return this.counts.reduce((sum, value) => sum + value, 0);
  }

  private advance(now: number): void {
    const index = Math.floor(now / this.bucketMs);
    if (index <= this.newest) return;
    const stale = Math.min(BUCKETS, index - this.newest);
    for (let step = 1; step <= stale; step += 1) this.counts[(index - stale + step) % BUCKETS] = 0;
    this.newest = index;
  }
}
