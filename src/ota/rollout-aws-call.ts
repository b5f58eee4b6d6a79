import { cloudErrorFor } from '../detect/aws-failures.js';
import { abortableSleep } from '../pacing/abortable-sleep.js';
import { fullJitterDelayMs, THROTTLE_BACKOFF, TRANSIENT_BACKOFF } from '../pacing/backoff.js';

/**
 * One AWS IoT control-plane call of the rollout, retried the way AWS asks: throttling is
 * expected on a big fleet (the Jobs APIs have per-account TPS quotas), so a throttled
 * call waits with full jitter and tries again for as long as it takes; a 5xx or a
 * dropped connection gets a few tries. Anything else becomes a CloudError with a next
 * step (exit 3), except what the caller handles itself (`passThrough`, e.g. not found).
 */
export interface AwsCallOptions {
  signal: AbortSignal;
  /** The endpoint the client talks to, for messages. */
  endpoint: string;
  onThrottled?: (operation: string, retryInMs: number) => void;
}

const MAX_TRANSIENT_RETRIES = 4;
const THROTTLED = new Set(['ThrottlingException', 'TooManyRequestsException', 'RequestLimitExceeded', 'LimitExceededException']);
const TRANSIENT_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'EAI_AGAIN']);

interface AwsErrorShape {
  name?: unknown;
  code?: unknown;
  $metadata?: { httpStatusCode?: number };
}

export function awsErrorName(error: unknown): string | undefined {
  const name = (error as AwsErrorShape | undefined)?.name;
  return typeof name === 'string' ? name : undefined;
}

export async function callAws<T>(
  operation: string,
  send: () => Promise<T>,
  options: AwsCallOptions,
  passThrough: (error: unknown) => boolean = () => false,
): Promise<T> {
  let throttles = 0;
  let failures = 0;
  for (;;) {
    options.signal.throwIfAborted();
    try {
      return await send();
    } catch (error) {
      if (passThrough(error)) throw error;
      const shape = error as AwsErrorShape;
      const status = shape?.$metadata?.httpStatusCode;
      if (THROTTLED.has(awsErrorName(error) ?? '') || status === 429) {
        throttles += 1;
        const delay = fullJitterDelayMs(throttles, THROTTLE_BACKOFF);
        options.onThrottled?.(operation, delay);
        await abortableSleep(delay, options.signal);
        continue;
      }
      const transient = (status !== undefined && status >= 500) || TRANSIENT_CODES.has(String(shape?.code));
      if (transient && failures < MAX_TRANSIENT_RETRIES) {
        failures += 1;
        await abortableSleep(fullJitterDelayMs(failures, TRANSIENT_BACKOFF), options.signal);
        continue;
      }
      throw cloudErrorFor(error, { operation, endpoint: options.endpoint }) ?? error;
    }
  }
}
