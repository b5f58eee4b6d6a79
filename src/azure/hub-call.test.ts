import { describe, expect, it } from 'vitest';
import { CloudError } from '../errors.js';
import { callHub, hubFailure, MAX_TRANSIENT_RETRIES } from './hub-call.js';

/** An error shaped as azure-iothub makes them: its class name and the HTTP response. */
function sdkError(name: string, statusCode: number, message = name): Error {
  return Object.assign(new Error(message), { name, response: { statusCode } });
}

const instant = { random: () => 0 };

function failingTimes(times: number, error: Error): { call: () => Promise<string>; count: () => number } {
  let calls = 0;
  return {
    call: async () => {
      calls += 1;
      if (calls <= times) throw error;
      return 'ok';
    },
    count: () => calls,
  };
}

describe('callHub', () => {
  it('retries a 429 for as long as it takes, reporting each wait', async () => {
    const throttled: string[] = [];
    const target = failingTimes(25, sdkError('ThrottlingError', 429));
    expect(await callHub('bulk create', target.call, { ...instant, onThrottled: (operation) => throttled.push(operation) })).toBe('ok');
    expect(target.count()).toBe(26);
    expect(throttled).toHaveLength(25);
  });

  it('retries a 5xx or a reset connection a few times, then gives up', async () => {
    const flaky = failingTimes(2, Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    expect(await callHub('twin read', flaky.call, instant)).toBe('ok');
    const down = failingTimes(100, sdkError('ServiceUnavailableError', 503));
    await expect(callHub('twin read', down.call, instant)).rejects.toThrow('ServiceUnavailableError');
    expect(down.count()).toBe(MAX_TRANSIENT_RETRIES + 1);
  });

  it('throws anything else at once', async () => {
    const refused = failingTimes(1, sdkError('UnauthorizedError', 401));
    await expect(callHub('bulk create', refused.call, instant)).rejects.toThrow('UnauthorizedError');
    expect(refused.count()).toBe(1);
  });

  it('stops waiting when aborted', async () => {
    const controller = new AbortController();
    const target = failingTimes(1_000, sdkError('ThrottlingError', 429));
    const call = callHub('bulk create', target.call, { signal: controller.signal, random: () => 1 });
    setTimeout(() => controller.abort(new Error('interrupted by SIGINT')), 50);
    await expect(call).rejects.toThrow('interrupted by SIGINT');
  });
});

describe('hubFailure', () => {
  it('says what to check for credentials, trust and reachability', () => {
    const unauthorized = hubFailure(sdkError('UnauthorizedError', 401, 'Unauthorized: wrong key'), 'hub.example', 'bulk create');
    expect(unauthorized).toBeInstanceOf(CloudError);
    expect(unauthorized.message).toBe('bulk create on IoT Hub hub.example failed: 401 Unauthorized: wrong key');
    expect(unauthorized.hint).toContain('RegistryWrite and ServiceConnect');
    const untrusted = hubFailure(Object.assign(new Error('x'), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }), '127.0.0.2', 'bulk create');
    expect(untrusted.message).toBe("cannot trust IoT Hub 127.0.0.2's TLS certificate (UNABLE_TO_VERIFY_LEAF_SIGNATURE)");
    expect(untrusted.hint).toContain('NODE_EXTRA_CA_CERTS');
    expect(hubFailure(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), '127.0.0.2', 'bulk create').message).toBe(
      'cannot reach IoT Hub 127.0.0.2 on port 443 (ECONNREFUSED)',
    );
  });
});
