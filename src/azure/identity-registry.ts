import type { Registry } from 'azure-iothub';
import { callHub, hubFailure, hubMessageOf, statusOf, type HubCallOptions } from './hub-call.js';
import type { RegisteredDevice, RegistryDevice, SasKeys } from './registry-device.js';
import type { TwinPatch } from './twin-patch.js';

/**
 * The registry operations the identities stage needs, over azure-iothub's `Registry`.
 * Thin: each method is one SDK call (retried on 429 and 5xx by callHub), and reports what
 * went wrong for one device as data, so the core decides. What stops every device (bad
 * credentials, an untrusted or unreachable hub) is thrown as a CloudError.
 */
export interface IdentityRegistry {
  /** Bulk create (import mode `create`), 1 to 100 devices. */
  createDevices(devices: readonly RegistryDevice[]): Promise<BulkWriteResult>;
  /** Bulk update (import mode `UpdateIfMatchETag`: each device carries the etag it was read with). */
  updateDevices(devices: readonly RegistryDevice[]): Promise<BulkWriteResult>;
  /** The device's identity and twin (`GET /twins/{id}`), or undefined when it does not exist. */
  readDevice(deviceId: string): Promise<RegisteredDevice | undefined>;
  /** A SAS device's keys (`GET /devices/{id}`): the twin does not show them. */
  readSasKeys(deviceId: string): Promise<SasKeys | undefined>;
  /** `PATCH /twins/{id}` with `If-Match: etag`. */
  patchTwin(deviceId: string, patch: TwinPatch, etag: string): Promise<TwinPatchResult>;
}

export type BulkItemResult = { deviceId: string; ok: true } | { deviceId: string; ok: false; code: string; message: string };

/**
 * `refused`: the hub turned the request down as a whole (an item it could not parse,
 * a body too large) without saying which device; the caller splits the batch to find out.
 */
export type BulkWriteResult = { kind: 'written'; items: BulkItemResult[] } | { kind: 'refused'; message: string };

export type TwinPatchResult = { kind: 'patched' } | { kind: 'etag-changed' } | { kind: 'refused'; message: string };

interface BulkResultBody {
  isSuccessful: boolean;
  errors: Array<{ deviceId: string; errorCode: string; errorStatus: string }>;
}

export function identityRegistryOver(registry: Registry, options: HubCallOptions & { hostName: string }): IdentityRegistry {
  const call = <T>(operation: string, send: () => Promise<T>) => callHub(operation, send, options);

  const bulk = async (operation: string, devices: readonly RegistryDevice[], send: () => Promise<{ responseBody: unknown }>): Promise<BulkWriteResult> => {
    try {
      const { responseBody } = await call(operation, send);
      return { kind: 'written', items: itemResults(devices, (responseBody as BulkResultBody | undefined)?.errors ?? []) };
    } catch (error) {
      const status = statusOf(error);
      if (status !== 400 && status !== 413) throw hubFailure(error, options.hostName, operation);
      // IoT Hub answers a bulk write with some failed devices as 400 with the per-device errors.
      const body = bulkResultIn((error as { responseBody?: unknown }).responseBody);
      return body ? { kind: 'written', items: itemResults(devices, body.errors) } : { kind: 'refused', message: hubMessageOf(error) };
    }
  };

  return {
    createDevices: (devices) => bulk('bulk create', devices, () => registry.addDevices([...devices])),
    updateDevices: (devices) => bulk('bulk update', devices, () => registry.updateDevices([...devices], false)),

    async readDevice(deviceId) {
      try {
        const { responseBody: twin } = await call('twin read', () => registry.getTwin(deviceId));
        const view = twin as unknown as TwinView;
        const { $metadata: _metadata, $version: _version, ...desired } = view.properties?.desired ?? {};
        return {
          deviceId,
          deviceEtag: view.deviceEtag,
          twinEtag: view.etag,
          status: view.status,
          authenticationType: view.authenticationType,
          primaryThumbprint: view.x509Thumbprint?.primaryThumbprint ?? null,
          secondaryThumbprint: view.x509Thumbprint?.secondaryThumbprint ?? null,
          tags: view.tags ?? {},
          desired,
        };
      } catch (error) {
        if (statusOf(error) === 404) return undefined;
        throw hubFailure(error, options.hostName, 'twin read');
      }
    },

    async readSasKeys(deviceId) {
      try {
        const { responseBody: device } = await call('device read', () => registry.get(deviceId));
        const keys = device.authentication?.symmetricKey;
        return keys?.primaryKey && keys.secondaryKey ? { primaryKey: keys.primaryKey, secondaryKey: keys.secondaryKey } : undefined;
      } catch (error) {
        if (statusOf(error) === 404) return undefined;
        throw hubFailure(error, options.hostName, 'device read');
      }
    },

    async patchTwin(deviceId, patch, etag) {
      try {
        await call('twin update', () => registry.updateTwin(deviceId, patch, etag));
        return { kind: 'patched' };
      } catch (error) {
        const status = statusOf(error);
        if (status === 412) return { kind: 'etag-changed' };
        if (status === 400 || status === 404) return { kind: 'refused', message: hubMessageOf(error) };
        throw hubFailure(error, options.hostName, 'twin update');
      }
    },
  };
}

/** The twin fields read here, as IoT Hub returns them (azure-iothub copies them onto its Twin). */
interface TwinView {
  etag: string;
  deviceEtag: string;
  status: string;
  authenticationType: string;
  x509Thumbprint?: { primaryThumbprint?: string | null; secondaryThumbprint?: string | null };
  tags?: Record<string, unknown>;
  properties?: { desired?: Record<string, unknown> };
}

function itemResults(devices: readonly RegistryDevice[], errors: BulkResultBody['errors']): BulkItemResult[] {
  const errorsById = new Map(errors.map((error) => [error.deviceId, error]));
  return devices.map(({ deviceId }) => {
    const error = errorsById.get(deviceId);
    return error ? { deviceId, ok: false, code: String(error.errorCode), message: error.errorStatus } : { deviceId, ok: true };
  });
}

function bulkResultIn(body: unknown): BulkResultBody | undefined {
  if (typeof body !== 'string') return undefined;
  try {
    const parsed = JSON.parse(body) as Partial<BulkResultBody>;
    return Array.isArray(parsed.errors) && parsed.errors.length > 0 ? (parsed as BulkResultBody) : undefined;
  } catch {
    return undefined;
  }
}
