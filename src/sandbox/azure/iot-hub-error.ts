import { randomUUID } from 'node:crypto';

/**
 * An error the hub answers with, in IoT Hub's REST shape:
 * `{"Message":"ErrorCode:<code>;<message>","ExceptionMessage":"Tracking ID:…-TimeStamp:…"}`
 * plus an `iothub-errorcode` header. azure-iothub splits `Message` at `;` and `:` to
 * pick the error class (DeviceNotFound → DeviceNotFoundError, and by status for the
 * rest), so the shape matters, not just the status.
 */
export class IotHubError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'IotHubError';
  }

  body(now: Date): { Message: string; ExceptionMessage: string } {
    const trackingId = randomUUID().replace(/-/g, '');
    return {
      Message: `ErrorCode:${this.code};${this.message}`,
      ExceptionMessage: `Tracking ID:${trackingId}-G:0-TimeStamp:${formatTimestamp(now)}`,
    };
  }
}

/** IoT Hub's tracking timestamp, `MM/dd/yyyy HH:mm:ss` in UTC. */
function formatTimestamp(now: Date): string {
  const pad = (value: number) => String(value).padStart(2, '0');
  return (
    `${pad(now.getUTCMonth() + 1)}/${pad(now.getUTCDate())}/${now.getUTCFullYear()} ` +
    `${pad(now.getUTCHours())}:${pad(now.getUTCMinutes())}:${pad(now.getUTCSeconds())}`
  );
}

export const unauthorized = (reason: string) => new IotHubError(401, 'IotHubUnauthorizedAccess', `Unauthorized: ${reason}`);
export const argumentInvalid = (message: string) => new IotHubError(400, 'ArgumentInvalid', message);
export const deviceNotFound = (deviceId: string) => new IotHubError(404, 'DeviceNotFound', `Device ${deviceId} not registered`);
export const deviceAlreadyExists = (deviceId: string) =>
  new IotHubError(409, 'DeviceAlreadyExists', `A device with ID '${deviceId}' is already registered.`);
export const preconditionFailed = (what: string) => new IotHubError(412, 'PreconditionFailed', `Precondition failed: ${what}`);
export const throttled = () =>
  new IotHubError(429, 'ThrottlingException', 'Throttling: the sandbox was started with an API rate and this request is over it');
export const deviceNotOnline = (deviceId: string) =>
  new IotHubError(404, 'DeviceNotOnline', `Timed out waiting for device ${deviceId} to connect.`);
export const gatewayTimeout = (deviceId: string) =>
  new IotHubError(504, 'GatewayTimeout', `Timed out waiting for the response from device ${deviceId}.`);
