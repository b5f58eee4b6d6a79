import { SlidingCounter } from './sliding-counter.js';

/**
 * Paces the calls to ONE API operation. AWS gives every IoT API its own TPS quota and
 * answers ThrottlingException (429) above it, so each operation gets its own limiter and
 * the operations proceed side by side, each as fast as its own quota allows.
 *
 * Two AIMD controls, both cut when a throttle arrives and grown back while calls queue:
 * - the window: how many calls may be in flight (halved per cut, +1/window per success).
 *   It bounds the load on a slow endpoint.
 * - the pace: calls per second. A quota is a rate, and at loopback latencies even one call
 *   in flight exceeds it, so the window alone cannot keep under a quota. The pace starts
 *   unset (no pacing). While calls are being throttled, the success rate of the last
 *   second IS the quota, so a cut sets the pace to 90% of itself, kept between 90% and
 *   100% of that success rate; between cuts it grows 10% per second. So it hovers around
 *   the quota: above it a few calls are throttled and retried, below it a token-bucket
 *   server banks the unused tokens, and nearly the whole quota gets used.
 *
 * Only a call dispatched after the latest cut, and at least CUT_INTERVAL_MS after it, cuts
 * again: the calls in flight at the old pace, or a quota counted in fixed one-second
 * windows (which throttles everything until its window ends), would otherwise cut the
 * pace again and again.
 */
export interface LimiterPermit {
  /** When the call was let through, on the limiter's clock. */
  readonly dispatchedAt: number;
}

export type CallOutcome = 'success' | 'throttled' | 'failed';

export interface OperationLimiterOptions {
  /** Most calls in flight at once; the window starts here and never grows past it. */
  maxConcurrency: number;
  /** Milliseconds, monotonic. */
  now?: () => number;
}

export interface LimiterState {
  window: number;
  /** Calls per second; undefined while the operation has never been throttled. */
  ratePerSecond: number | undefined;
  inFlight: number;
  queued: number;
}

const WINDOW_DECREASE = 0.5;
const RATE_DECREASE = 0.9;
const STEADY_GROWTH_PER_SECOND = 0.1;
/** Growth while probing upwards from a pace that had no measurement behind it. */
const PROBING_GROWTH_PER_SECOND = 1;
const MIN_RATE = 1;
/** Slots missed by a late timer may be caught up within this much time. */
const BURST_CREDIT_MS = 50;
const MEASURE_WINDOW_MS = 1_000;
const CUT_INTERVAL_MS = 250;
/** Fewer successes than this before the first throttle make no estimate of the quota. */
const MIN_SUCCESSES_FOR_ESTIMATE = 5;

interface Waiter {
  resolve(permit: LimiterPermit): void;
  detach(): void;
}

export class OperationLimiter {
  private window: number;
  private rate: number | undefined;
  private probing = false;
  /** Successes since the pace was last set from nothing, i.e. since probing began. */
  private probeSuccesses = 0;
  private inFlight = 0;
  private nextDispatchAt = Number.NEGATIVE_INFINITY;
  private lastCutAt = Number.NEGATIVE_INFINITY;
  private lastGrowthAt = 0;
  private firstDispatchAt = Number.POSITIVE_INFINITY;
  /** Successes over the last second: when calls are being throttled, that is the quota. */
  private readonly successes = new SlidingCounter(MEASURE_WINDOW_MS);
  private readonly queue: Waiter[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(private readonly options: OperationLimiterOptions) {
    this.window = options.maxConcurrency;
    this.now = options.now ?? (() => performance.now());
  }

  /**
   * Resolves when the call may go. A retry goes to the front of the queue: it has waited
   * longest. Rejects with the signal's reason when it aborts first.
   */
  acquire(options: { signal?: AbortSignal; retry?: boolean } = {}): Promise<LimiterPermit> {
    const { signal } = options;
    signal?.throwIfAborted();
    return new Promise<LimiterPermit>((resolve, reject) => {
      const onAbort = () => {
        const index = this.queue.indexOf(waiter);
        if (index >= 0) this.queue.splice(index, 1);
        reject(signal!.reason);
      };
      const waiter: Waiter = {
        resolve,
        detach: () => signal?.removeEventListener('abort', onAbort),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      if (options.retry) this.queue.unshift(waiter);
      else this.queue.push(waiter);
      this.pump();
    });
  }

  release(permit: LimiterPermit, outcome: CallOutcome): void {
    this.inFlight -= 1;
    const now = this.now();
    if (outcome === 'throttled') this.cut(permit, now);
    else if (outcome === 'success') this.grow(now);
    this.pump();
  }

  state(): LimiterState {
    return { window: this.window, ratePerSecond: this.rate, inFlight: this.inFlight, queued: this.queue.length };
  }

  private cut(permit: LimiterPermit, now: number): void {
    if (permit.dispatchedAt < this.lastCutAt || now - this.lastCutAt < CUT_INTERVAL_MS) return;
    this.lastCutAt = now;
    this.lastGrowthAt = now;
    this.window = Math.max(1, this.window * WINDOW_DECREASE);
    const recent = this.successes.count(now);
    const measured = (recent * 1000) / Math.max(100, Math.min(MEASURE_WINDOW_MS, now - this.firstDispatchAt));
    if (this.rate === undefined || (this.probing && this.probeSuccesses < MIN_SUCCESSES_FOR_ESTIMATE)) {
      if (recent >= MIN_SUCCESSES_FOR_ESTIMATE) {
        this.rate = Math.max(MIN_RATE, measured);
        this.probing = false;
      } else {
        // Throttled before anything passed: no estimate of the quota, so start low and
        // double each second until the next throttle.
        this.rate = MIN_RATE;
        this.probing = true;
        this.probeSuccesses = 0;
      }
      return;
    }
    this.rate = Math.max(MIN_RATE, RATE_DECREASE * measured, Math.min(this.rate * RATE_DECREASE, measured));
    this.probing = false;
  }

  private grow(now: number): void {
    this.successes.add(now);
    this.probeSuccesses += 1;
    const backlogged = this.queue.length > 0;
    if (backlogged) this.window = Math.min(this.options.maxConcurrency, this.window + 1 / this.window);
    if (this.rate !== undefined && backlogged) {
      const seconds = Math.min(1, (now - this.lastGrowthAt) / 1000);
      const growth = this.probing ? PROBING_GROWTH_PER_SECOND : STEADY_GROWTH_PER_SECOND;
      this.rate *= 1 + growth * seconds;
    }
    this.lastGrowthAt = now;
  }

  private pump(): void {
    if (this.timer) return;
    while (this.queue.length > 0 && this.inFlight < Math.floor(this.window)) {
      const now = this.now();
      if (this.rate !== undefined) {
        const slot = Math.max(this.nextDispatchAt, now - BURST_CREDIT_MS);
        if (slot > now) {
          this.timer = setTimeout(() => {
            this.timer = undefined;
            this.pump();
          }, Math.ceil(slot - now));
          return;
        }
        this.nextDispatchAt = slot + 1000 / this.rate;
      }
      const waiter = this.queue.shift()!;
      waiter.detach();
      this.inFlight += 1;
      this.firstDispatchAt = Math.min(this.firstDispatchAt, now);
      waiter.resolve({ dispatchedAt: now });
    }
  }
}
