import { fullJitterDelayMs, THROTTLE_BACKOFF, TRANSIENT_BACKOFF } from '../../pacing/backoff.js';
import { OperationLimiter, type LimiterState } from './operation-limiter.js';
import { abortableSleep } from '../../pacing/abortable-sleep.js';

/**
 * Every AWS call detect makes goes through here, one OperationLimiter per API operation.
 * Installed as SDK middleware (after the SDK's own retry step, which is set to a single
 * attempt, and before signing, so every retry is signed afresh), it also governs the
 * pages the SDK's paginators fetch. Throttling is never fatal: the call waits (full
 * jitter), the operation slows down, and the call is tried again. Transient failures
 * (5xx, dropped connections, timeouts) get a few retries; anything else is thrown for
 * the caller to report.
 */
export interface CallGovernorOptions {
  /** Most calls in flight per operation. */
  maxConcurrency: number;
  /** Aborts waiting and stops new calls; the abort reason is what is thrown. */
  signal?: AbortSignal;
  onThrottled?: (operation: string, retryInMs: number) => void;
  random?: () => number;
  now?: () => number;
}

/** Retries of a failure that is not throttling and may pass (5xx, reset connection, timeout). */
export const MAX_TRANSIENT_RETRIES = 3;

const THROTTLING_NAMES = new Set([
  'ThrottlingException',
  'TooManyRequestsException',
  'Throttling',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
]);
const TRANSIENT_NAMES = new Set([
  'InternalFailureException',
  'InternalException',
  'InternalServerException',
  'ServiceUnavailableException',
  'ServiceUnavailable',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
]);
const TRANSIENT_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ECONNABORTED']);

interface ErrorShape {
  name?: unknown;
  code?: unknown;
  $metadata?: { httpStatusCode?: number };
  $retryable?: { throttling?: boolean };
}

export function isThrottlingError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const shape = error as ErrorShape;
  return (
    THROTTLING_NAMES.has(String(shape.name)) ||
    shape.$metadata?.httpStatusCode === 429 ||
    shape.$retryable?.throttling === true
  );
}

export function isTransientError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const shape = error as ErrorShape;
  const status = shape.$metadata?.httpStatusCode;
  return (
    TRANSIENT_NAMES.has(String(shape.name)) ||
    TRANSIENT_CODES.has(String(shape.code)) ||
    (status !== undefined && status >= 500)
  );
}

/** The part of an SDK client the governor hooks into; both IoT clients satisfy it. */
export interface GovernableClient {
  middlewareStack: {
    addRelativeTo(middleware: never, options: { relation: 'after'; toMiddleware: string; name: string }): void;
  };
}

export interface FailedCall {
  operation: string;
  endpoint: string | undefined;
}

type Next = (args: unknown) => Promise<unknown>;
type GovernorMiddleware = (next: Next, context: { commandName?: string }) => Next;

export class CallGovernor {
  private readonly limiters = new Map<string, OperationLimiter>();
  /** Which call an error came from, for the message the user sees. */
  private readonly failedCalls = new WeakMap<object, FailedCall>();

  constructor(private readonly options: CallGovernorOptions) {}

  /** Governs every call the client makes from now on; `endpoint` names where they go, for errors. */
  install<C extends GovernableClient>(client: C, endpoint: string): C {
    const middleware: GovernorMiddleware = (next, context) => (args) =>
      this.call(operationNameOf(context.commandName), () => next(args), endpoint);
    client.middlewareStack.addRelativeTo(middleware as never, {
      relation: 'after',
      toMiddleware: 'retryMiddleware',
      name: 'iotmigrateCallGovernor',
    });
    return client;
  }

  async call<T>(operation: string, send: () => Promise<T>, endpoint?: string): Promise<T> {
    const limiter = this.limiterFor(operation);
    const { signal } = this.options;
    let throttles = 0;
    let failures = 0;
    for (;;) {
      const permit = await limiter.acquire({ signal, retry: throttles + failures > 0 });
      try {
        const result = await send();
        limiter.release(permit, 'success');
        return result;
      } catch (error) {
        if (signal?.aborted) {
          limiter.release(permit, 'failed');
          throw signal.reason;
        }
        if (isThrottlingError(error)) {
          limiter.release(permit, 'throttled');
          throttles += 1;
          const delay = fullJitterDelayMs(throttles, THROTTLE_BACKOFF, this.options.random);
          this.options.onThrottled?.(operation, delay);
          await abortableSleep(delay, signal);
          continue;
        }
        limiter.release(permit, 'failed');
        if (isTransientError(error) && failures < MAX_TRANSIENT_RETRIES) {
          failures += 1;
          await abortableSleep(fullJitterDelayMs(failures, TRANSIENT_BACKOFF, this.options.random), signal);
          continue;
        }
        if (typeof error === 'object' && error !== null) this.failedCalls.set(error, { operation, endpoint });
        throw error;
      }
    }
  }

  /** The call that threw `error`, when it came through this governor. */
  failedCallOf(error: unknown): FailedCall | undefined {
    return typeof error === 'object' && error !== null ? this.failedCalls.get(error) : undefined;
  }

  /** Where every operation's limiter ended up: the paces found, for logs and benchmarks. */
  limiterStates(): Record<string, LimiterState> {
    return Object.fromEntries([...this.limiters].map(([operation, limiter]) => [operation, limiter.state()]));
  }

  private limiterFor(operation: string): OperationLimiter {
    let limiter = this.limiters.get(operation);
    if (!limiter) {
      limiter = new OperationLimiter({ maxConcurrency: this.options.maxConcurrency, now: this.options.now });
      this.limiters.set(operation, limiter);
    }
    return limiter;
  }
}

/** `ListThingsCommand` → `ListThings`, the name AWS quotas and IAM actions use. */
function operationNameOf(commandName: string | undefined): string {
  return (commandName ?? 'UnknownOperation').replace(/Command$/, '');
}
