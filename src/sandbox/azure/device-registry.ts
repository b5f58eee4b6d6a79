import { randomInt } from 'node:crypto';
import { generateKey } from './access-policies.js';
import type { RequestedAuthentication, RequestedIdentity } from './device-identity.js';
import type { HubStore } from './hub-store.js';
import { compareIds } from './hub-store.js';
import { NEVER, type DeviceAuthentication, type DeviceTwin, type HubDevice } from './hub-state.js';
import { argumentInvalid, deviceAlreadyExists, deviceNotFound, preconditionFailed } from './iot-hub-error.js';
import {
  checkSectionSize,
  diffAsPatch,
  emptySection,
  isJsonObject,
  mergePatch,
  readSectionInput,
  replaceProperties,
  twinEtag,
  type JsonObject,
  type TwinSection,
} from './twin-document.js';

/** What other parts of the hub must act on when the registry changes. */
export interface RegistryListener {
  /** Desired properties changed: the patch to push to the device, and the new desired `$version`. */
  desiredChanged(deviceId: string, patch: JsonObject, version: number): void;
  /** The device was disabled or deleted: IoT Hub drops its connection (and a deleted one's queued messages). */
  deviceBarred(deviceId: string, reason: 'disabled' | 'deleted'): void;
}

/** Tags and desired properties to set wholesale, as a twin PUT or a bulk item carries them. */
export interface TwinReplacement {
  tags?: JsonObject;
  desired?: JsonObject;
}

/**
 * The identity registry and the twins: IoT Hub's rules for creating, updating and
 * deleting devices (etags, generation IDs, generated keys) and for writing twins
 * (versions, etags, merge patches). Throws IotHubError for what the hub refuses.
 */
export class DeviceRegistry {
  constructor(
    private readonly store: HubStore,
    private readonly listener: RegistryListener,
    private readonly now: () => Date,
  ) {}

  findDevice(deviceId: string): HubDevice | undefined {
    return this.store.devices.get(deviceId);
  }

  getDevice(deviceId: string): HubDevice {
    const device = this.store.devices.get(deviceId);
    if (!device) throw deviceNotFound(deviceId);
    return device;
  }

  /** Devices in ID order, at most `top`. */
  listDevices(top: number): HubDevice[] {
    return this.sortedDevices().slice(0, top);
  }

  sortedDevices(): HubDevice[] {
    return [...this.store.devices.values()].sort((a, b) => compareIds(a.deviceId, b.deviceId));
  }

  createDevice(identity: RequestedIdentity, twin: TwinReplacement = {}): HubDevice {
    if (this.store.devices.has(identity.deviceId)) throw deviceAlreadyExists(identity.deviceId);
    const time = this.timestamp();
    const device: HubDevice = {
      deviceId: identity.deviceId,
      generationId: generationId(),
      etag: this.store.nextDeviceEtag(),
      status: identity.status,
      statusReason: identity.statusReason,
      statusUpdatedTime: NEVER,
      connectionState: 'Disconnected',
      connectionStateUpdatedTime: NEVER,
      lastActivityTime: NEVER,
      authentication: resolveAuthentication(identity.authentication, undefined),
      iotEdge: identity.iotEdge,
      twin: newTwin(time),
    };
    if (twin.tags || twin.desired) this.writeTwin(device, twin, time);
    this.store.devices.set(device.deviceId, device);
    this.store.changed();
    return device;
  }

  /** Overwrites a device's identity (a PUT with If-Match, or a bulk update). */
  updateDevice(identity: RequestedIdentity, ifMatch: string | undefined): HubDevice {
    const device = this.getDevice(identity.deviceId);
    if (!etagMatches(ifMatch, device.etag)) throw preconditionFailed(`the device etag is ${device.etag}`);
    const wasEnabled = device.status === 'enabled';
    if (identity.status !== device.status) device.statusUpdatedTime = this.timestamp();
    device.status = identity.status;
    device.statusReason = identity.statusReason;
    device.authentication = resolveAuthentication(identity.authentication, device.authentication);
    device.iotEdge = identity.iotEdge;
    device.etag = this.store.nextDeviceEtag();
    this.store.changed();
    if (wasEnabled && device.status === 'disabled') this.listener.deviceBarred(device.deviceId, 'disabled');
    return device;
  }

  deleteDevice(deviceId: string, ifMatch: string | undefined): void {
    const device = this.getDevice(deviceId);
    if (!etagMatches(ifMatch, device.etag)) throw preconditionFailed(`the device etag is ${device.etag}`);
    this.store.devices.delete(deviceId);
    this.store.changed();
    this.listener.deviceBarred(deviceId, 'deleted');
  }

  /** A service twin PATCH: `{tags, properties: {desired}}` merged in; reported is the device's alone. */
  patchTwin(deviceId: string, body: unknown, ifMatch: string | undefined): HubDevice {
    const device = this.getDevice(deviceId);
    if (!etagMatches(ifMatch, twinEtag(device.twin.version))) throw preconditionFailed(`the twin etag is ${twinEtag(device.twin.version)}`);
    const { tags, desired } = readTwinWrite(body, { allowNull: true });
    const time = this.timestamp();
    const twin = structuredClone(device.twin);
    if (tags) {
      // Tags carry no $metadata on IoT Hub: the stamp goes to a node nobody keeps.
      mergePatch(twin.tags, { lastUpdated: time }, tags, { time });
      checkSectionSize(twin.tags, 'tags');
    }
    if (desired) {
      twin.desired.version += 1;
      mergePatch(twin.desired.properties, twin.desired.metadata, desired, { time, version: twin.desired.version });
      checkSectionSize(twin.desired.properties, 'desired');
    }
    if (!tags && !desired) return device;
    twin.version += 1;
    device.twin = twin;
    this.store.changed();
    if (desired) this.listener.desiredChanged(deviceId, desired, twin.desired.version);
    return device;
  }

  /** A service twin PUT: tags and desired replaced by what the body holds (absent means empty). */
  replaceTwin(deviceId: string, body: unknown, ifMatch: string | undefined): HubDevice {
    const device = this.getDevice(deviceId);
    if (!etagMatches(ifMatch, twinEtag(device.twin.version))) throw preconditionFailed(`the twin etag is ${twinEtag(device.twin.version)}`);
    const { tags, desired } = readTwinWrite(body, { allowNull: false });
    this.replaceTwinParts(device, { tags: tags ?? {}, desired: desired ?? {} });
    return device;
  }

  /** Sets tags and/or desired wholesale, pushing the change of desired to the device. */
  replaceTwinParts(device: HubDevice, replacement: TwinReplacement): void {
    const before = device.twin.desired.properties;
    this.writeTwin(device, replacement, this.timestamp());
    this.store.changed();
    if (replacement.desired) {
      const patch = diffAsPatch(before, device.twin.desired.properties);
      if (Object.keys(patch).length > 0) this.listener.desiredChanged(device.deviceId, patch, device.twin.desired.version);
    }
  }

  /** A device's reported-properties PATCH; returns the new reported `$version`. */
  patchReported(deviceId: string, patch: unknown): number {
    const device = this.getDevice(deviceId);
    const reported = readSectionInput(patch, 'reported', { allowNull: true });
    const time = this.timestamp();
    const section: TwinSection = structuredClone(device.twin.reported);
    section.version += 1;
    mergePatch(section.properties, section.metadata, reported, { time });
    checkSectionSize(section.properties, 'reported');
    device.twin.reported = section;
    device.twin.version += 1;
    this.store.changed();
    return section.version;
  }

  markConnected(deviceId: string): void {
    const device = this.store.devices.get(deviceId);
    if (!device) return;
    const time = this.timestamp();
    device.connectionState = 'Connected';
    device.connectionStateUpdatedTime = time;
    device.lastActivityTime = time;
    this.store.changed();
  }

  markDisconnected(deviceId: string): void {
    const device = this.store.devices.get(deviceId);
    if (!device) return;
    device.connectionState = 'Disconnected';
    device.connectionStateUpdatedTime = this.timestamp();
    this.store.changed();
  }

  recordActivity(deviceId: string): void {
    const device = this.store.devices.get(deviceId);
    if (!device) return;
    device.lastActivityTime = this.timestamp();
    this.store.changed();
  }

  statistics(): { totalDeviceCount: number; enabledDeviceCount: number; disabledDeviceCount: number } {
    let enabled = 0;
    for (const device of this.store.devices.values()) if (device.status === 'enabled') enabled += 1;
    return { totalDeviceCount: this.store.devices.size, enabledDeviceCount: enabled, disabledDeviceCount: this.store.devices.size - enabled };
  }

  connectedDeviceCount(): number {
    let connected = 0;
    for (const device of this.store.devices.values()) if (device.connectionState === 'Connected') connected += 1;
    return connected;
  }

  private writeTwin(device: HubDevice, replacement: TwinReplacement, time: string): void {
    const twin = structuredClone(device.twin);
    if (replacement.tags) {
      twin.tags = {};
      mergePatch(twin.tags, { lastUpdated: time }, replacement.tags, { time });
      checkSectionSize(twin.tags, 'tags');
    }
    if (replacement.desired) {
      twin.desired.version += 1;
      replaceProperties(twin.desired, replacement.desired, { time, version: twin.desired.version });
      checkSectionSize(twin.desired.properties, 'desired');
    }
    twin.version += 1;
    device.twin = twin;
  }

  private timestamp(): string {
    return this.now().toISOString();
  }
}

/** The `tags` and `properties.desired` of a service twin write; `properties.reported` is refused. */
export function readTwinWrite(body: unknown, options: { allowNull: boolean }): TwinReplacement {
  if (!isJsonObject(body)) throw argumentInvalid('The twin must be a JSON object');
  const properties = body.properties;
  if (properties !== undefined && properties !== null && !isJsonObject(properties)) {
    throw argumentInvalid('properties must be a JSON object');
  }
  if (properties && properties.reported !== undefined) {
    throw argumentInvalid('Reported properties are written by the device only; the service may set tags and desired properties');
  }
  return {
    ...(body.tags !== undefined && body.tags !== null ? { tags: readSectionInput(body.tags, 'tags', options) } : {}),
    ...(properties?.desired !== undefined && properties.desired !== null
      ? { desired: readSectionInput(properties.desired, 'desired', options) }
      : {}),
  };
}

function newTwin(time: string): DeviceTwin {
  return {
    version: 1,
    tags: {},
    desired: emptySection(1, { time, version: 1 }),
    reported: emptySection(1, { time }),
  };
}

/**
 * Keys a SAS identity asked the hub to generate are generated, except that a SAS device
 * rewritten without keys keeps the ones it has, so an update that only flips `status`
 * does not lock the device out.
 */
function resolveAuthentication(requested: RequestedAuthentication, current: DeviceAuthentication | undefined): DeviceAuthentication {
  if (requested.type !== 'sas') return requested;
  const kept = current?.type === 'sas' ? current : undefined;
  return {
    type: 'sas',
    primaryKey: requested.primaryKey ?? kept?.primaryKey ?? generateKey(),
    secondaryKey: requested.secondaryKey ?? kept?.secondaryKey ?? generateKey(),
  };
}

/** `If-Match` as sent (quoted or not); absent or `*` matches anything. */
export function etagMatches(ifMatch: string | undefined, etag: string): boolean {
  if (ifMatch === undefined) return true;
  const unquoted = ifMatch.trim().replace(/^"(.*)"$/, '$1');
  return unquoted === '*' || unquoted === etag;
}

/** IoT Hub's generation IDs look like 18-digit numbers. */
function generationId(): string {
  return `63${String(randomInt(0, 1e9)).padStart(9, '0')}${String(randomInt(0, 1e7)).padStart(7, '0')}`;
}
