import { fullJitterDelayMs, type BackoffPolicy } from '../pacing/backoff.js';
import { CloudError } from '../errors.js';
import { abortableSleep } from '../pacing/abortable-sleep.js';

/**
 * One IoT Hub service call, retried the way the hub asks: a 429 ThrottlingException is
 * never fatal (IoT Hub queues, then rejects traffic over a unit's quota; waiting is the
 * cure), so it is retried with exponential backoff and full jitter for as long as it
 * takes, which spreads out the callers throttled together. A 5xx or a dropped connection
 * gets a few retries. Anything else is the caller's to handle.
 */
export interface HubCallOptions {
  /** Stops the waiting; the abort reason is thrown. */
  signal?: AbortSignal;
  onThrottled?: (operation: string, retryInMs: number) => void;
  random?: () => number;
}

/**
 * A unit's quota refills continuously (100 identity operations a minute on S1 is one
 * every 0.6 s), so waits much longer than that only leave quota unused: the cap of 2 s
 * keeps a bulk run within a few percent of the quota's floor (bench/identities.ts),
 * at the price of a few rejected retries per accepted request.
 */
const HUB_THROTTLE_BACKOFF: BackoffPolicy = { baseMs: 100, capMs: 2_000 };
const TRANSIENT_BACKOFF: BackoffPolicy = { baseMs: 500, capMs: 10_000 };
export const MAX_TRANSIENT_RETRIES = 4;

const TRANSIENT_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ECONNABORTED']);

interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  response?: { statusCode?: number };
}

/** The HTTP status an azure-iothub error carries (`error.response.statusCode`), if it got one. */
export function statusOf(error: unknown): number | undefined {
  return (error as SdkErrorShape | undefined)?.response?.statusCode;
}

function isThrottled(error: unknown): boolean {
  return statusOf(error) === 429 || (error as SdkErrorShape | undefined)?.name === 'ThrottlingError';
}

function isTransient(error: unknown): boolean {
  const status = statusOf(error);
  return (status !== undefined && status >= 500) || TRANSIENT_CODES.has(String((error as SdkErrorShape | undefined)?.code));
}

export async function callHub<T>(operation: string, call: () => Promise<T>, options: HubCallOptions = {}): Promise<T> {
  let throttles = 0;
  let failures = 0;
  for (;;) {
    options.signal?.throwIfAborted();
    try {
      return await call();
    } catch (error) {
      if (isThrottled(error)) {
        throttles += 1;
        const delay = fullJitterDelayMs(throttles, HUB_THROTTLE_BACKOFF, options.random);
        options.onThrottled?.(operation, delay);
        await abortableSleep(delay, options.signal);
        continue;
      }
      if (isTransient(error) && failures < MAX_TRANSIENT_RETRIES) {
        failures += 1;
        await abortableSleep(fullJitterDelayMs(failures, TRANSIENT_BACKOFF, options.random), options.signal);
        continue;
      }
      throw error;
    }
  }
}

/** The hub's own words for a failed call: IoT Hub's message, else the SDK's or the socket's. */
export function hubMessageOf(error: unknown): string {
  const shape = error as SdkErrorShape;
  const status = statusOf(error);
  const message = typeof shape?.message === 'string' ? shape.message : String(error);
  return status === undefined ? message : `${status} ${message}`;
}

const UNTRUSTED_CERTIFICATE = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_HAS_EXPIRED',
]);
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EACCES']);

/** A failure that stops the whole run (exit 3), with what to check. */
export function hubFailure(error: unknown, hostName: string, operation: string): CloudError {
  const code = String((error as SdkErrorShape | undefined)?.code);
  const status = statusOf(error);
  const what = `${operation} on IoT Hub ${hostName} failed: ${hubMessageOf(error)}`;
  if (status === 401) {
    return new CloudError(what, {
      hint: 'check IOTHUB_CONNECTION_STRING (or --hub-connection-string): its policy needs RegistryWrite and ServiceConnect, as iothubowner has',
      cause: error,
    });
  }
  if (UNTRUSTED_CERTIFICATE.has(code)) {
    return new CloudError(`cannot trust IoT Hub ${hostName}'s TLS certificate (${code})`, {
      hint: 'against the sandbox, eval "$(iotmigrate sandbox env)" first: it sets NODE_EXTRA_CA_CERTS to the sandbox CA',
      cause: error,
    });
  }
  if (UNREACHABLE.has(code)) {
    return new CloudError(`cannot reach IoT Hub ${hostName} on port 443 (${code})`, {
      hint: 'check the HostName in the connection string; for the sandbox, is `iotmigrate sandbox up` running?',
      cause: error,
    });
  }
  if (status === 403) {
    return new CloudError(what, { hint: "the hub is at a quota (devices per hub, or its tier's limits): see the plan's sizing, then run apply again", cause: error });
  }
  return new CloudError(what, { hint: 'run apply again to continue; devices done so far are kept', cause: error });
}
