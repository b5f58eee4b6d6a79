import { z } from 'zod';

/**
 * What makes one simulated device differ from the next beyond its certificate: the
 * conditions under which its update agent declines a job, as a real agent checks its
 * battery or hardware revision before it risks an update. Set per device in the fleet
 * options or in `<state-dir>/fleet.json` (`{"devices": {"<thing>": {...}}}`).
 */
export const DeviceProfileSchema = z.object({
  /** Charge left; below MIN_BATTERY_PERCENT the agent rejects an update. */
  batteryPercent: z.number().min(0).max(100).optional(),
  /** A reason this device rejects any cutover, e.g. "hardware rev A cannot run the Azure firmware". */
  rejectCutover: z.string().min(1).optional(),
});
export type DeviceProfile = z.infer<typeof DeviceProfileSchema>;

export const FleetFileSchema = z.object({
  devices: z.record(z.string(), DeviceProfileSchema).default({}),
});

/** Agents do not start an update that a flat battery could cut off half-way. */
export const MIN_BATTERY_PERCENT = 20;
