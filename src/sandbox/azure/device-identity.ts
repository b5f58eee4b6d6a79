import { argumentInvalid } from './iot-hub-error.js';
import type { DeviceStatus } from './hub-state.js';
import { isJsonObject, type JsonObject } from './twin-document.js';

/**
 * A device identity as a registry write asks for it, checked the way IoT Hub checks it.
 * Keys left empty (what azure-iothub sends when the caller gave no authentication) are
 * for the registry to generate; everything else is final.
 */
export interface RequestedIdentity {
  deviceId: string;
  status: DeviceStatus;
  statusReason: string | null;
  authentication: RequestedAuthentication;
  iotEdge: boolean;
}

export type RequestedAuthentication =
  | { type: 'sas'; primaryKey: string | undefined; secondaryKey: string | undefined }
  | { type: 'selfSigned'; primaryThumbprint: string; secondaryThumbprint: string | null }
  | { type: 'certificateAuthority' }
  | { type: 'none' };

// IoT Hub device IDs: up to 128 ASCII letters, digits and - . + % _ # * ? ! ( ) , : = @ $ '
const DEVICE_ID = /^[A-Za-z0-9\-.+%_#*?!(),:=@$']{1,128}$/;
const THUMBPRINT = /^(?:[0-9A-Fa-f]{40}|[0-9A-Fa-f]{64})$/;

export function checkDeviceId(deviceId: unknown): string {
  if (typeof deviceId !== 'string' || !DEVICE_ID.test(deviceId)) {
    throw argumentInvalid(
      `Device ID '${String(deviceId)}' is invalid: up to 128 ASCII letters, digits and - . + % _ # * ? ! ( ) , : = @ $ '`,
    );
  }
  return deviceId;
}

/** Reads a device body: `idField` is `deviceId` for the device API and `id` for bulk items. */
export function readRequestedIdentity(body: unknown, idField: 'deviceId' | 'id'): RequestedIdentity {
  if (!isJsonObject(body)) throw argumentInvalid('The device must be a JSON object');
  const deviceId = checkDeviceId(body[idField]);
  return {
    deviceId,
    status: readStatus(body.status),
    statusReason: typeof body.statusReason === 'string' ? body.statusReason : null,
    authentication: readAuthentication(body.authentication),
    iotEdge: isJsonObject(body.capabilities) && body.capabilities.iotEdge === true,
  };
}

function readStatus(value: unknown): DeviceStatus {
  if (value === undefined || value === null) return 'enabled';
  const status = typeof value === 'string' ? value.toLowerCase() : value;
  if (status === 'enabled' || status === 'disabled') return status;
  throw argumentInvalid(`status must be 'enabled' or 'disabled', not '${String(value)}'`);
}

function readAuthentication(value: unknown): RequestedAuthentication {
  if (value === undefined || value === null) return { type: 'sas', primaryKey: undefined, secondaryKey: undefined };
  if (!isJsonObject(value)) throw argumentInvalid('authentication must be a JSON object');
  const type = typeof value.type === 'string' ? value.type.toLowerCase() : 'sas';
  switch (type) {
    case 'sas': {
      const keys = isJsonObject(value.symmetricKey) ? value.symmetricKey : {};
      return { type: 'sas', primaryKey: readKey(keys.primaryKey, 'primaryKey'), secondaryKey: readKey(keys.secondaryKey, 'secondaryKey') };
    }
    case 'selfsigned': {
      const thumbprints: JsonObject = isJsonObject(value.x509Thumbprint) ? value.x509Thumbprint : {};
      const primary = readThumbprint(thumbprints.primaryThumbprint, 'primaryThumbprint');
      const secondary = readThumbprint(thumbprints.secondaryThumbprint, 'secondaryThumbprint');
      if (!primary) throw argumentInvalid('selfSigned authentication needs x509Thumbprint.primaryThumbprint');
      return { type: 'selfSigned', primaryThumbprint: primary, secondaryThumbprint: secondary ?? null };
    }
    case 'certificateauthority':
      return { type: 'certificateAuthority' };
    case 'none':
      return { type: 'none' };
    default:
      throw argumentInvalid(`authentication.type '${String(value.type)}' is not one of sas, selfSigned, certificateAuthority, none`);
  }
}

/** A base64 key of 16 to 64 bytes, or undefined for "generate one". */
function readKey(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const bytes = typeof value === 'string' && /^[A-Za-z0-9+/]+={0,2}$/.test(value) ? Buffer.from(value, 'base64').length : 0;
  if (bytes < 16 || bytes > 64) throw argumentInvalid(`symmetricKey.${name} must be base64 of 16 to 64 bytes`);
  return value as string;
}

function readThumbprint(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || !THUMBPRINT.test(value)) {
    throw argumentInvalid(`x509Thumbprint.${name} must be a SHA-1 (40) or SHA-256 (64) hex thumbprint without colons`);
  }
  return value;
}
