import { assertNever } from '../assert-never.js';
import type { Identity, IdentityAuthentication } from '../plan/schema.js';

/**
 * A plan identity as IoT Hub's registry takes it (`ExportImportDevice` in a bulk
 * `POST /devices`; azure-iothub renames `deviceId` to `id` and adds the import mode).
 * Pure: the adapter sends these, the core compares what the hub holds against them.
 */
export interface SasKeys {
  primaryKey: string;
  secondaryKey: string;
}

export type RegistryAuthentication =
  | { type: 'selfSigned'; x509Thumbprint: { primaryThumbprint: string; secondaryThumbprint: string } }
  | { type: 'certificateAuthority' }
  | { type: 'sas'; symmetricKey: SasKeys };

export interface RegistryDevice {
  deviceId: string;
  status: 'enabled';
  authentication: RegistryAuthentication;
  /** Only on a create: the twin is written with the identity, in the same registry operation. */
  tags?: Record<string, unknown>;
  properties?: { desired: Record<string, unknown> };
  /** Only on an update: the device etag it was read with (UpdateIfMatchETag). */
  eTag?: string;
}

/** What the hub holds for a device, as its twin shows it. */
export interface RegisteredDevice {
  deviceId: string;
  deviceEtag: string;
  twinEtag: string;
  status: string;
  authenticationType: string;
  primaryThumbprint: string | null;
  secondaryThumbprint: string | null;
  tags: Record<string, unknown>;
  /** Without the hub's `$metadata` and `$version`. */
  desired: Record<string, unknown>;
}

/**
 * The device to create: identity and twin seed together, as the C# SDK's
 * AddDeviceWithTwinAsync sends them, so a device never exists on the hub without its
 * tags (a kill between two separate writes could leave it so).
 */
export function deviceToCreate(identity: Identity, keys: SasKeys | undefined): RegistryDevice {
  return {
    deviceId: identity.deviceId,
    status: 'enabled',
    authentication: registryAuthentication(identity, keys),
    tags: identity.twin.tags,
    properties: { desired: identity.twin.desired },
  };
}

/** The identity to write over an existing device read with `deviceEtag`; its twin is patched apart. */
export function deviceToUpdate(identity: Identity, keys: SasKeys | undefined, deviceEtag: string): RegistryDevice {
  return { deviceId: identity.deviceId, status: 'enabled', authentication: registryAuthentication(identity, keys), eTag: deviceEtag };
}

/**
 * Whether the hub's identity is the one the plan wants: enabled, with the same kind of
 * authentication and, for thumbprints, the same two (hex, compared without regard to
 * case). A SAS device's keys are not compared: whatever keys it has are its keys.
 */
export function identityMatches(authentication: IdentityAuthentication, registered: RegisteredDevice): boolean {
  if (registered.status !== 'enabled' || registered.authenticationType !== authentication.type) return false;
  switch (authentication.type) {
    case 'selfSigned':
      return (
        sameHex(registered.primaryThumbprint, authentication.primaryThumbprint) &&
        sameHex(registered.secondaryThumbprint, authentication.secondaryThumbprint)
      );
    case 'certificateAuthority':
    case 'sas':
      return true;
    default:
      return assertNever(authentication);
  }
}

function registryAuthentication({ deviceId, authentication }: Identity, keys: SasKeys | undefined): RegistryAuthentication {
  switch (authentication.type) {
    case 'selfSigned':
      return {
        type: 'selfSigned',
        x509Thumbprint: { primaryThumbprint: authentication.primaryThumbprint, secondaryThumbprint: authentication.secondaryThumbprint },
      };
    case 'certificateAuthority':
      return { type: 'certificateAuthority' };
    case 'sas':
      // Keys left for the hub to generate would exist only on the hub: apply makes them first, into its 0600 file.
      if (!keys) throw new Error(`no SAS keys were made for device ${deviceId}`);
      return { type: 'sas', symmetricKey: keys };
    default:
      return assertNever(authentication);
  }
}

function sameHex(a: string | null, b: string): boolean {
  return a !== null && a.toUpperCase() === b.toUpperCase();
}
