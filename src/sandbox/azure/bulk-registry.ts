import { readRequestedIdentity, checkDeviceId } from './device-identity.js';
import { etagMatches, readTwinWrite, type DeviceRegistry } from './device-registry.js';
import { argumentInvalid, IotHubError, preconditionFailed } from './iot-hub-error.js';
import { isJsonObject, twinEtag, type JsonObject } from './twin-document.js';

/**
 * `POST /devices`: up to 100 registry operations, each with its own import mode, each
 * succeeding or failing on its own. The modes are IoT Hub's import modes; azure-iothub
 * sends `create`, `Update`, `UpdateIfMatchETag`, `Delete` and `DeleteIfMatchETag`, in
 * that mixed casing, so they are matched without regard to case. A missing mode is
 * `createOrUpdate`, the import default.
 */
export interface BulkResult {
  isSuccessful: boolean;
  errors: Array<{ deviceId: string; errorCode: string; errorStatus: string }>;
  warnings: Array<{ deviceId: string; warningCode: string; warningStatus: string }>;
}

const IMPORT_MODES = [
  'create',
  'createOrUpdate',
  'createOrUpdateIfMatchETag',
  'update',
  'updateIfMatchETag',
  'delete',
  'deleteIfMatchETag',
  'updateTwin',
  'updateTwinIfMatchETag',
] as const;
type ImportMode = (typeof IMPORT_MODES)[number];

const MAX_BULK_ITEMS = 100;

export function applyBulkOperations(registry: DeviceRegistry, body: unknown): BulkResult {
  if (!Array.isArray(body) || body.length === 0 || body.length > MAX_BULK_ITEMS) {
    throw argumentInvalid(`The body must be an array of 1 to ${MAX_BULK_ITEMS} devices`);
  }
  const seen = new Set<string>();
  for (const item of body) {
    const id = checkDeviceId(isJsonObject(item) ? item.id : undefined);
    if (seen.has(id)) throw new IotHubError(400, 'DeviceDefinedMultipleTimes', `Device ${id} appears more than once in the request`);
    seen.add(id);
  }

  const errors: BulkResult['errors'] = [];
  for (const item of body as JsonObject[]) {
    const deviceId = item.id as string;
    try {
      applyOne(registry, item, readImportMode(item.importMode));
    } catch (error) {
      if (!(error instanceof IotHubError)) throw error;
      errors.push({ deviceId, errorCode: error.code, errorStatus: error.message });
    }
  }
  return { isSuccessful: errors.length === 0, errors, warnings: [] };
}

function readImportMode(value: unknown): ImportMode {
  if (value === undefined || value === null) return 'createOrUpdate';
  const mode = IMPORT_MODES.find((candidate) => typeof value === 'string' && candidate.toLowerCase() === value.toLowerCase());
  if (!mode) throw argumentInvalid(`importMode '${String(value)}' is not one of ${IMPORT_MODES.join(', ')}`);
  return mode;
}

function applyOne(registry: DeviceRegistry, item: JsonObject, mode: ImportMode): void {
  const deviceId = item.id as string;
  const existing = registry.findDevice(deviceId);
  const eTag = stringField(item, 'eTag');
  switch (mode) {
    case 'delete':
    case 'deleteIfMatchETag':
      registry.deleteDevice(deviceId, mode === 'deleteIfMatchETag' ? requireEtag(eTag, 'eTag') : undefined);
      return;
    case 'updateTwin':
    case 'updateTwinIfMatchETag': {
      const device = registry.getDevice(deviceId);
      if (mode === 'updateTwinIfMatchETag') {
        const twinETag = requireEtag(stringField(item, 'twinETag'), 'twinETag');
        if (!etagMatches(twinETag, twinEtag(device.twin.version))) throw preconditionFailed(`the twin etag is ${twinEtag(device.twin.version)}`);
      }
      registry.replaceTwinParts(device, readTwinWrite(item, { allowNull: false }));
      return;
    }
    case 'create':
      registry.createDevice(readRequestedIdentity(item, 'id'), readTwinWrite(item, { allowNull: false }));
      return;
    case 'createOrUpdate':
    case 'createOrUpdateIfMatchETag':
      if (!existing) {
        registry.createDevice(readRequestedIdentity(item, 'id'), readTwinWrite(item, { allowNull: false }));
        return;
      }
      updateWithTwin(registry, item, mode === 'createOrUpdateIfMatchETag' ? requireEtag(eTag, 'eTag') : undefined);
      return;
    case 'update':
    case 'updateIfMatchETag':
      updateWithTwin(registry, item, mode === 'updateIfMatchETag' ? requireEtag(eTag, 'eTag') : undefined);
      return;
  }
}

function updateWithTwin(registry: DeviceRegistry, item: JsonObject, ifMatch: string | undefined): void {
  const twin = readTwinWrite(item, { allowNull: false });
  const device = registry.updateDevice(readRequestedIdentity(item, 'id'), ifMatch);
  if (twin.tags || twin.desired) registry.replaceTwinParts(device, twin);
}

/**
 * A field read as IoT Hub's JSON binding reads it, without regard to case: azure-iothub
 * passes a device object through as is, so its `etag` arrives where the model says `eTag`.
 */
function stringField(item: JsonObject, name: string): string | undefined {
  const key = Object.keys(item).find((candidate) => candidate.toLowerCase() === name.toLowerCase());
  const value = key === undefined ? undefined : item[key];
  return typeof value === 'string' ? value : undefined;
}

function requireEtag(value: string | undefined, field: string): string {
  if (!value) throw argumentInvalid(`${field} is required for this import mode`);
  return value;
}
