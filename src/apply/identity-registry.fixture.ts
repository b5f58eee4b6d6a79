import type { BulkItemResult, BulkWriteResult, IdentityRegistry, TwinPatchResult } from '../azure/identity-registry.js';
import type { RegisteredDevice, RegistryDevice, SasKeys } from '../azure/registry-device.js';
import type { TwinPatch } from '../azure/twin-patch.js';
import type { Identity } from '../plan/schema.js';

/**
 * An in-memory registry for the core's unit tests, answering as IoT Hub does: per-device
 * errors in a bulk result, etags that change on every write, a whole request refused for
 * a device ID it cannot parse. `calls` records what was asked, so tests can count writes.
 */
export interface FakeDevice {
  deviceEtag: number;
  twinVersion: number;
  status: string;
  authentication: RegistryDevice['authentication'];
  tags: Record<string, unknown>;
  desired: Record<string, unknown>;
}

export class FakeIdentityRegistry implements IdentityRegistry {
  readonly devices = new Map<string, FakeDevice>();
  readonly calls: string[] = [];
  /** Device IDs that make a whole bulk request fail, as an unparseable item does. */
  readonly unparseable = new Set<string>();
  /** Largest tags (JSON bytes) a twin may hold. */
  maxTagBytes = 8 * 1024;
  /** Called before each write lands: lets a test change a device "meanwhile". */
  beforeWrite: (deviceId: string) => void = () => {};

  async createDevices(devices: readonly RegistryDevice[]): Promise<BulkWriteResult> {
    this.calls.push(`create ${devices.length}`);
    const refused = devices.find((device) => this.unparseable.has(device.deviceId));
    if (refused) return { kind: 'refused', message: `400 Device ID '${refused.deviceId}' is invalid` };
    return {
      kind: 'written',
      items: devices.map((device): BulkItemResult => {
        if (this.devices.has(device.deviceId)) return { deviceId: device.deviceId, ok: false, code: 'DeviceAlreadyExists', message: 'exists' };
        if (JSON.stringify(device.tags ?? {}).length > this.maxTagBytes) return { deviceId: device.deviceId, ok: false, code: 'ArgumentInvalid', message: 'tags too large' };
        this.devices.set(device.deviceId, {
          deviceEtag: 1,
          twinVersion: 1,
          status: device.status,
          authentication: device.authentication,
          tags: structuredClone(device.tags ?? {}),
          desired: structuredClone(device.properties?.desired ?? {}),
        });
        return { deviceId: device.deviceId, ok: true };
      }),
    };
  }

  async updateDevices(devices: readonly RegistryDevice[]): Promise<BulkWriteResult> {
    this.calls.push(`update ${devices.length}`);
    return {
      kind: 'written',
      items: devices.map((device): BulkItemResult => {
        this.beforeWrite(device.deviceId);
        const existing = this.devices.get(device.deviceId);
        if (!existing) return { deviceId: device.deviceId, ok: false, code: 'DeviceNotFound', message: 'not found' };
        if (device.eTag !== String(existing.deviceEtag)) return { deviceId: device.deviceId, ok: false, code: 'PreconditionFailed', message: 'etag' };
        existing.authentication = device.authentication;
        existing.status = device.status;
        existing.deviceEtag += 1;
        return { deviceId: device.deviceId, ok: true };
      }),
    };
  }

  async readDevice(deviceId: string): Promise<RegisteredDevice | undefined> {
    this.calls.push(`read ${deviceId}`);
    const device = this.devices.get(deviceId);
    if (!device) return undefined;
    const auth = device.authentication;
    return {
      deviceId,
      deviceEtag: String(device.deviceEtag),
      twinEtag: String(device.twinVersion),
      status: device.status,
      authenticationType: auth.type,
      primaryThumbprint: auth.type === 'selfSigned' ? auth.x509Thumbprint.primaryThumbprint : null,
      secondaryThumbprint: auth.type === 'selfSigned' ? auth.x509Thumbprint.secondaryThumbprint : null,
      tags: structuredClone(device.tags),
      desired: structuredClone(device.desired),
    };
  }

  async readSasKeys(deviceId: string): Promise<SasKeys | undefined> {
    const auth = this.devices.get(deviceId)?.authentication;
    return auth?.type === 'sas' ? auth.symmetricKey : undefined;
  }

  async patchTwin(deviceId: string, patch: TwinPatch, etag: string): Promise<TwinPatchResult> {
    this.calls.push(`patch ${deviceId}`);
    this.beforeWrite(deviceId);
    const device = this.devices.get(deviceId);
    if (!device) return { kind: 'refused', message: '404 DeviceNotFound' };
    if (etag !== String(device.twinVersion)) return { kind: 'etag-changed' };
    if (patch.tags) mergePatch(device.tags, patch.tags);
    if (patch.properties) mergePatch(device.desired, patch.properties.desired);
    device.twinVersion += 1;
    return { kind: 'patched' };
  }

  /** Registers a device as someone else might have, outside apply. */
  put(deviceId: string, parts: Partial<FakeDevice>): void {
    this.devices.set(deviceId, {
      deviceEtag: 1,
      twinVersion: 1,
      status: 'enabled',
      authentication: { type: 'certificateAuthority' },
      tags: {},
      desired: {},
      ...parts,
    });
  }
}

export function identity(deviceId: string, parts: Partial<Identity> = {}): Identity {
  const thumbprint = Buffer.from(deviceId).toString('hex').toUpperCase().padEnd(64, '0').slice(0, 64);
  return {
    deviceId,
    thingName: deviceId,
    authentication: { type: 'selfSigned', primaryThumbprint: thumbprint, secondaryThumbprint: thumbprint },
    certificates: [],
    flags: [],
    twin: { tags: { aws: { thingName: deviceId }, groups: { 'site-north': true } }, desired: { setpoint: 21 } },
    reportedAtSource: { classic: null, named: {} },
    ...parts,
  };
}

function mergePatch(target: Record<string, unknown>, patch: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete target[key];
    else if (typeof value === 'object' && !Array.isArray(value)) {
      const child = typeof target[key] === 'object' && target[key] !== null ? (target[key] as Record<string, unknown>) : {};
      mergePatch(child, value as Record<string, unknown>);
      target[key] = child;
    } else target[key] = value;
  }
}
