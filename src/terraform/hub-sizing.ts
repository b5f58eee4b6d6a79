/**
 * IoT Hub tier and unit count from the fleet. Figures per unit are Microsoft's quotas
 * (iot-hub-devguide-quotas-throttling; daily messages metered in 4 KB blocks); only the
 * standard tiers are considered because twins, cloud-to-device and direct methods,
 * which the migration relies on, are not in the basic tiers. The result carries every
 * figure it was decided on, so the summary can show the reasoning, not just the answer.
 */
export const HUB_SKUS = ['S1', 'S2', 'S3'] as const;
export type HubSku = (typeof HUB_SKUS)[number];

interface TierQuota {
  dailyMessagesPerUnit: number;
  /** Device-to-cloud sends and new device connections share this throttle shape. */
  perSecond: (units: number) => number;
  registryOperationsPerMinute: (units: number) => number;
  maxUnits: number;
  /** Monthly price per unit relative to S1 (S1 : S2 : S3 list prices are 1 : 10 : 100). */
  relativeCost: number;
}

export const TIER_QUOTAS: Record<HubSku, TierQuota> = {
  S1: {
    dailyMessagesPerUnit: 400_000,
    perSecond: (units) => Math.max(100, 12 * units),
    registryOperationsPerMinute: (units) => 100 * units,
    maxUnits: 200,
    relativeCost: 1,
  },
  S2: {
    dailyMessagesPerUnit: 6_000_000,
    perSecond: (units) => 120 * units,
    registryOperationsPerMinute: (units) => 100 * units,
    maxUnits: 200,
    relativeCost: 10,
  },
  S3: {
    dailyMessagesPerUnit: 300_000_000,
    perSecond: (units) => 6_000 * units,
    registryOperationsPerMinute: (units) => 5_000 * units,
    maxUnits: 10,
    relativeCost: 100,
  },
};

/** Devices plus modules per hub; only Microsoft support can raise it. */
export const MAX_DEVICES_PER_HUB = 1_000_000;

export interface SizingInput {
  devices: number;
  /** Telemetry messages each device sends per minute (an estimate the user can override). */
  messagesPerDevicePerMinute: number;
  /** How fast the whole fleet must be able to reconnect, e.g. after a hub failover. */
  reconnectMinutes: number;
  sku?: HubSku;
  units?: number;
}

export interface SizingCheck {
  name: 'daily messages' | 'device-to-cloud sends/s' | 'new connections/s';
  need: number;
  capacity: number;
}

export interface HubSizing {
  sku: HubSku;
  units: number;
  decidedBy: 'cheapest fit' | '--sku' | '--units';
  messagesPerDay: number;
  checks: SizingCheck[];
  /** Minutes to create every identity at one registry operation per device. */
  identityCreationMinutes: number;
  /** The cheapest fit on each tier that can carry the fleet, for comparison. */
  alternatives: { sku: HubSku; units: number; relativeCost: number }[];
  /** Set when --units is below what the estimate needs. */
  shortfall: string | null;
}

export type SizingResult = { ok: true; sizing: HubSizing } | { ok: false; reason: string };

export function sizeIotHub(input: SizingInput): SizingResult {
  if (input.devices > MAX_DEVICES_PER_HUB) {
    return {
      ok: false,
      reason: `${input.devices} devices exceed the ${MAX_DEVICES_PER_HUB.toLocaleString('en-US')} an IoT Hub holds; split the manifest and plan one hub per part`,
    };
  }
  const messagesPerDay = Math.ceil(input.devices * input.messagesPerDevicePerMinute * 24 * 60);
  const needs = {
    messagesPerDay,
    sendsPerSecond: (input.devices * input.messagesPerDevicePerMinute) / 60,
    connectionsPerSecond: input.devices / (input.reconnectMinutes * 60),
  };
  const fits = HUB_SKUS.flatMap((sku) => {
    const units = unitsNeeded(sku, needs);
    return units <= TIER_QUOTAS[sku].maxUnits ? [{ sku, units, relativeCost: units * TIER_QUOTAS[sku].relativeCost }] : [];
  });

  let sku: HubSku;
  let decidedBy: HubSizing['decidedBy'];
  if (input.sku) {
    sku = input.sku;
    decidedBy = '--sku';
  } else {
    const cheapest = [...fits].sort((a, b) => a.relativeCost - b.relativeCost)[0];
    if (!cheapest) return { ok: false, reason: 'no IoT Hub tier carries this fleet within its unit limit; split the fleet over several hubs' };
    sku = cheapest.sku;
    decidedBy = 'cheapest fit';
  }
  const needed = unitsNeeded(sku, needs);
  if (input.units === undefined && needed > TIER_QUOTAS[sku].maxUnits) {
    return {
      ok: false,
      reason: `${sku} would need ${needed} units, over its limit of ${TIER_QUOTAS[sku].maxUnits}; choose ${fits.map((fit) => fit.sku).join(' or ') || 'several hubs'}`,
    };
  }
  if (input.units !== undefined && input.units > TIER_QUOTAS[sku].maxUnits) {
    return { ok: false, reason: `${sku} has at most ${TIER_QUOTAS[sku].maxUnits} units, --units asks for ${input.units}` };
  }
  const units = input.units ?? needed;
  const quota = TIER_QUOTAS[sku];
  return {
    ok: true,
    sizing: {
      sku,
      units,
      decidedBy: input.units !== undefined ? '--units' : decidedBy,
      messagesPerDay,
      checks: [
        { name: 'daily messages', need: messagesPerDay, capacity: quota.dailyMessagesPerUnit * units },
        { name: 'device-to-cloud sends/s', need: needs.sendsPerSecond, capacity: quota.perSecond(units) },
        { name: 'new connections/s', need: needs.connectionsPerSecond, capacity: quota.perSecond(units) },
      ],
      identityCreationMinutes: input.devices / quota.registryOperationsPerMinute(units),
      alternatives: fits,
      shortfall: units < needed ? `${sku} × ${units} is below the ${needed} units the estimate needs` : null,
    },
  };
}

function unitsNeeded(sku: HubSku, needs: { messagesPerDay: number; sendsPerSecond: number; connectionsPerSecond: number }): number {
  const quota = TIER_QUOTAS[sku];
  const rate = Math.max(needs.sendsPerSecond, needs.connectionsPerSecond);
  let units = Math.max(1, Math.ceil(needs.messagesPerDay / quota.dailyMessagesPerUnit));
  // perSecond is monotonic in units; the loop ends within a tier's unit limit + 1.
  while (quota.perSecond(units) < rate && units <= quota.maxUnits) units += 1;
  return units;
}
