import { deviceNotOnline, gatewayTimeout, IotHubError } from '../iot-hub-error.js';
import type { JsonValue } from '../twin-document.js';
import type { DeviceSessions } from './device-sessions.js';
import { methodRequestTopic } from './device-topics.js';

export interface MethodInvocation {
  methodName: string;
  payload: JsonValue;
  responseTimeoutSeconds: number;
  connectTimeoutSeconds: number;
}

export interface MethodResult {
  status: number;
  payload: JsonValue;
}

interface Pending {
  deviceId: string;
  resolve(result: MethodResult): void;
  reject(error: IotHubError): void;
}

/**
 * Direct methods: a service call waits (up to its connect timeout) for the device to be
 * connected and subscribed to `$iothub/methods/POST/#`, sends it the request with a
 * request ID of the hub's, and answers with the status and payload the device replies
 * with on `$iothub/methods/res/<status>/?$rid=<id>`, or 504 once the response timeout
 * passes, or 404 if the device goes away meanwhile.
 */
export class DirectMethods {
  private readonly pending = new Map<string, Pending>();
  private nextRequestId = 0;

  constructor(private readonly sessions: DeviceSessions) {}

  async invoke(deviceId: string, invocation: MethodInvocation): Promise<MethodResult> {
    if (!(await this.sessions.waitUntilReachable(deviceId, 'methods', invocation.connectTimeoutSeconds * 1000))) {
      throw deviceNotOnline(deviceId);
    }
    this.nextRequestId += 1;
    const requestId = this.nextRequestId.toString(16);
    const result = new Promise<MethodResult>((resolve, reject) => this.pending.set(requestId, { deviceId, resolve, reject }));
    const timer = setTimeout(() => this.settle(requestId, (entry) => entry.reject(gatewayTimeout(deviceId))), invocation.responseTimeoutSeconds * 1000);
    // A call still waiting must not keep a process alive that is otherwise done.
    timer.unref();
    try {
      if (!this.sessions.deliver(deviceId, 'methods', methodRequestTopic(invocation.methodName, requestId), JSON.stringify(invocation.payload))) {
        throw deviceNotOnline(deviceId);
      }
      return await result;
    } finally {
      clearTimeout(timer);
      this.pending.delete(requestId);
    }
  }

  /** A device's reply; one for a request it was not sent (or that timed out) is dropped, as IoT Hub does. */
  responded(deviceId: string, requestId: string, status: number, body: Buffer): void {
    if (this.pending.get(requestId)?.deviceId !== deviceId) return;
    this.settle(requestId, (entry) => {
      const text = body.toString('utf8').trim();
      try {
        entry.resolve({ status, payload: text === '' ? null : (JSON.parse(text) as JsonValue) });
      } catch {
        entry.reject(new IotHubError(502, 'BadDeviceResponse', `Device ${deviceId} replied with a payload that is not JSON`));
      }
    });
  }

  /** The device disconnected: calls waiting on it fail now rather than at their timeout. */
  deviceGone(deviceId: string): void {
    for (const [requestId, entry] of this.pending) {
      if (entry.deviceId === deviceId) this.settle(requestId, (pending) => pending.reject(deviceNotOnline(deviceId)));
    }
  }

  /** The hub is closing: every call still waiting fails now. */
  cancelAll(): void {
    for (const [requestId, entry] of this.pending) this.settle(requestId, (pending) => pending.reject(deviceNotOnline(entry.deviceId)));
  }

  private settle(requestId: string, action: (entry: Pending) => void): void {
    const entry = this.pending.get(requestId);
    if (!entry) return;
    this.pending.delete(requestId);
    action(entry);
  }
}
