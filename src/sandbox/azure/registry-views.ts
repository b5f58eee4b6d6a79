import type { HubDevice } from './hub-state.js';
import { sectionView, twinEtag, type JsonObject } from './twin-document.js';

/**
 * Devices and twins as IoT Hub's REST API (api-version 2021-04-12) returns them. Every
 * field is present, null where unset, because azure-iothub and its users read them
 * without checking (`device.authentication.symmetricKey.primaryKey`).
 */
export function deviceView(device: HubDevice, cloudToDeviceMessageCount: number): JsonObject {
  return {
    deviceId: device.deviceId,
    generationId: device.generationId,
    etag: device.etag,
    connectionState: device.connectionState,
    status: device.status,
    statusReason: device.statusReason,
    connectionStateUpdatedTime: device.connectionStateUpdatedTime,
    statusUpdatedTime: device.statusUpdatedTime,
    lastActivityTime: device.lastActivityTime,
    cloudToDeviceMessageCount,
    authentication: {
      symmetricKey: {
        primaryKey: device.authentication.type === 'sas' ? device.authentication.primaryKey : null,
        secondaryKey: device.authentication.type === 'sas' ? device.authentication.secondaryKey : null,
      },
      x509Thumbprint: thumbprintsOf(device),
      type: device.authentication.type,
    },
    capabilities: { iotEdge: device.iotEdge },
  };
}

export function twinView(device: HubDevice, cloudToDeviceMessageCount: number): JsonObject {
  const { twin } = device;
  return {
    deviceId: device.deviceId,
    etag: twinEtag(twin.version),
    deviceEtag: device.etag,
    status: device.status,
    statusReason: device.statusReason,
    statusUpdateTime: device.statusUpdatedTime,
    connectionState: device.connectionState,
    lastActivityTime: device.lastActivityTime,
    cloudToDeviceMessageCount,
    authenticationType: device.authentication.type,
    x509Thumbprint: thumbprintsOf(device),
    modelId: '',
    version: twin.version,
    tags: structuredClone(twin.tags),
    properties: {
      desired: sectionView(twin.desired, { metadata: true }),
      reported: sectionView(twin.reported, { metadata: true }),
    },
    capabilities: { iotEdge: device.iotEdge },
  };
}

/** The twin GET a device receives over MQTT: both sections at top level, no metadata. */
export function deviceTwinView(device: HubDevice): JsonObject {
  return {
    desired: sectionView(device.twin.desired, { metadata: false }),
    reported: sectionView(device.twin.reported, { metadata: false }),
  };
}

function thumbprintsOf(device: HubDevice): JsonObject {
  const auth = device.authentication;
  return {
    primaryThumbprint: auth.type === 'selfSigned' ? auth.primaryThumbprint : null,
    secondaryThumbprint: auth.type === 'selfSigned' ? auth.secondaryThumbprint : null,
  };
}
