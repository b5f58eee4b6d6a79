import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EstateStore } from '../sandbox/aws/estate-store.js';

/**
 * The devices the sandbox can simulate: one per seeded thing with an ACTIVE certificate
 * attached and its credentials on disk (things without a certificate, or sharing a
 * neighbour's, have none and cannot connect anyway). Each starts with the firmware
 * version its thing's `firmwareVersion` attribute records.
 */
export function simulatableDevices(store: EstateStore, stateDir: string): Array<{ thingName: string; firmwareVersion?: string }> {
  const devices: Array<{ thingName: string; firmwareVersion?: string }> = [];
  for (const thing of Object.values(store.estate.things)) {
    const principals = store.estate.thingPrincipals[thing.thingName] ?? [];
    const active = principals.some((arn) => store.certificateByArn(arn)?.status === 'ACTIVE');
    const dir = join(stateDir, 'devices', thing.thingName);
    if (!active || !existsSync(join(dir, 'certificate.pem.crt')) || !existsSync(join(dir, 'private.pem.key'))) continue;
    const firmwareVersion = thing.attributes.firmwareVersion;
    devices.push({ thingName: thing.thingName, ...(firmwareVersion ? { firmwareVersion } : {}) });
  }
  return devices.sort((a, b) => (a.thingName < b.thingName ? -1 : a.thingName > b.thingName ? 1 : 0));
}

/**
 * Devices two MQTT connections each can hold within `openFilesLimit` descriptors: every
 * connection is a descriptor in the fleet process and another in the sandbox's broker,
 * and the sandbox keeps `reserve` for its APIs, S3 and the hub. Past that, devices would
 * fail to connect forever, and the broker could no longer accept anyone else.
 */
export function devicesWithinDescriptors(openFilesLimit: number, reserve = 1_000): number {
  return Math.max(0, Math.floor((openFilesLimit - reserve) / 2));
}

/** The soft RLIMIT_NOFILE of this process (Linux /proc), or undefined where it cannot be read. */
export function openFilesLimit(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((candidate) => candidate.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    return soft === undefined || soft === 'unlimited' ? undefined : Number(soft);
  } catch {
    return undefined;
  }
}
