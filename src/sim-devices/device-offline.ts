import type { FaultInjector } from '../sandbox/faults.js';

/**
 * The `device-offline` fault: every minute a device is online (the fleet's
 * offlineCheckIntervalMs), it drops off the network with the fault's probability (both its connections close) and comes back 5–30 s
 * later, the duration drawn from the fault's own seeded stream.
 */
export const OFFLINE_CHECK_INTERVAL_MS = 60_000;
export const OFFLINE_MIN_MS = 5_000;
export const OFFLINE_MAX_MS = 30_000;

/** How long the device stays offline this time, or undefined when it stays online. */
export function offlineSpellMs(faults: FaultInjector): number | undefined {
  if (!faults.strikes('device-offline')) return undefined;
  return Math.round(OFFLINE_MIN_MS + faults.draw('device-offline') * (OFFLINE_MAX_MS - OFFLINE_MIN_MS));
}
