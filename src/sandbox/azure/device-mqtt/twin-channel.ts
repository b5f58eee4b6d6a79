import type { DeviceRegistry } from '../device-registry.js';
import { IotHubError } from '../iot-hub-error.js';
import { deviceTwinView } from '../registry-views.js';
import type { JsonObject } from '../twin-document.js';
import { desiredUpdateTopic, twinResponseTopic } from './device-topics.js';

export interface TwinReply {
  topic: string;
  payload: string;
}

// IoT Hub's numeric error codes in twin responses; the SDK fails a request whose body has one.
const NUMERIC_ERROR_CODES: Record<string, number> = { ArgumentInvalid: 400004, DeviceNotFound: 404001 };

/**
 * A device's twin GET: 200 with `{desired, reported}` at the top level (the SDK reads
 * them there, not under `properties`).
 */
export function answerTwinGet(registry: DeviceRegistry, deviceId: string, requestId: string): TwinReply {
  return { topic: twinResponseTopic(200, requestId), payload: JSON.stringify(deviceTwinView(registry.getDevice(deviceId))) };
}

/**
 * A device's reported-properties PATCH: 204 with the new reported `$version` in the
 * topic, or the error status with `{errorCode, message}` when the hub refuses it.
 */
export function answerReportedPatch(registry: DeviceRegistry, deviceId: string, requestId: string, body: Buffer): TwinReply {
  let patch: unknown;
  try {
    patch = JSON.parse(body.toString('utf8'));
  } catch {
    return errorReply(new IotHubError(400, 'ArgumentInvalid', 'The reported properties are not valid JSON'), requestId);
  }
  try {
    return { topic: twinResponseTopic(204, requestId, registry.patchReported(deviceId, patch)), payload: '' };
  } catch (error) {
    if (error instanceof IotHubError) return errorReply(error, requestId);
    throw error;
  }
}

function errorReply(error: IotHubError, requestId: string): TwinReply {
  const errorCode = NUMERIC_ERROR_CODES[error.code] ?? error.status * 1000;
  return { topic: twinResponseTopic(error.status, requestId), payload: JSON.stringify({ errorCode, message: error.message }) };
}

/** The push a device subscribed to desired updates receives: the patch with its new `$version`. */
export function desiredUpdate(patch: JsonObject, version: number): TwinReply {
  return { topic: desiredUpdateTopic(version), payload: JSON.stringify({ ...patch, $version: version }) };
}
