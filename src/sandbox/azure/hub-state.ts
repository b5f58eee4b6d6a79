import type { SharedAccessPolicy } from './access-policies.js';
import type { JsonObject, TwinSection } from './twin-document.js';

/** What `<state-dir>/azure-hub.json` holds: everything a hub must still know after `down` / `up`. */
export interface HubState {
  schemaVersion: 1;
  hubName: string;
  policies: SharedAccessPolicy[];
  devices: HubDevice[];
  certificateAuthorities: RegisteredCertificateAuthority[];
  /** Source of device etags, so an etag is never reused, not even after a delete. */
  etagCounter: number;
}

export type DeviceStatus = 'enabled' | 'disabled';
export type ConnectionState = 'Connected' | 'Disconnected';

export type DeviceAuthentication =
  | { type: 'sas'; primaryKey: string; secondaryKey: string }
  | { type: 'selfSigned'; primaryThumbprint: string; secondaryThumbprint: string | null }
  | { type: 'certificateAuthority' }
  | { type: 'none' };

export interface DeviceTwin {
  version: number;
  tags: JsonObject;
  desired: TwinSection;
  reported: TwinSection;
}

export interface HubDevice {
  deviceId: string;
  /** Changes when a device is deleted and registered again under the same ID. */
  generationId: string;
  etag: string;
  status: DeviceStatus;
  statusReason: string | null;
  statusUpdatedTime: string;
  connectionState: ConnectionState;
  connectionStateUpdatedTime: string;
  lastActivityTime: string;
  authentication: DeviceAuthentication;
  iotEdge: boolean;
  twin: DeviceTwin;
}

/** A CA certificate uploaded to the hub; only a verified one (proof of possession done) authenticates devices. */
export interface RegisteredCertificateAuthority {
  name: string;
  certificatePem: string;
  verified: boolean;
}

/** What IoT Hub shows for a time that has not happened yet (never connected, never updated). */
export const NEVER = '0001-01-01T00:00:00Z';
