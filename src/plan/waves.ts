import { createHash } from 'node:crypto';
import type { Wave } from './schema.js';

/**
 * Rollout waves: a canary, then waves growing by a factor up to a cap, like AWS IoT
 * Jobs' exponential rollout but with a checkpoint between waves. Which devices go first
 * matters more than how many: the canary holds one device of every kind (thing type ×
 * authentication) so a problem with any kind shows up there, e.g. whether IoT Hub
 * accepts a thumbprint certificate whose CN is not the device ID. After that, each
 * kind is spread evenly through the waves. The order is a hash, not the input order,
 * so it is stable and does not follow serial numbers or sites.
 */
export interface WaveSettings {
  /** Canary size as a share of the fleet... */
  canaryPercent: number;
  /** ...but never fewer devices than this. */
  canaryMinimum: number;
  /** Each wave is this many times the previous one. */
  growthFactor: number;
  /** Upper bound on any wave, canary included. */
  maximumWaveSize: number;
}

export const DEFAULT_WAVE_SETTINGS: WaveSettings = {
  canaryPercent: 1,
  canaryMinimum: 5,
  growthFactor: 2,
  maximumWaveSize: 10_000,
};

export interface WaveCandidate {
  deviceId: string;
  /** Devices of one kind share a stratum, e.g. `thermostat|selfSigned|cn-not-device-id`. */
  stratum: string;
}

export function waveSettingsProblem(settings: WaveSettings): string | undefined {
  if (!(settings.canaryPercent > 0 && settings.canaryPercent <= 100)) return '--canary-percent must be above 0 and at most 100';
  if (!Number.isInteger(settings.canaryMinimum) || settings.canaryMinimum < 1) return '--canary-minimum must be a whole number of at least 1';
  if (!(settings.growthFactor >= 1 && settings.growthFactor <= 10)) return '--wave-growth must be from 1 to 10';
  if (!Number.isInteger(settings.maximumWaveSize) || settings.maximumWaveSize < 1) return '--wave-cap must be a whole number of at least 1';
  return undefined;
}

export function waveSizes(total: number, settings: WaveSettings): number[] {
  if (total === 0) return [];
  const canary = Math.min(total, settings.maximumWaveSize, Math.max(settings.canaryMinimum, Math.ceil((total * settings.canaryPercent) / 100)));
  const sizes = [canary];
  let remaining = total - canary;
  let previous = canary;
  while (remaining > 0) {
    const next = Math.min(remaining, settings.maximumWaveSize, Math.ceil(previous * settings.growthFactor));
    sizes.push(next);
    remaining -= next;
    previous = next;
  }
  return sizes;
}

export function planWaves(candidates: readonly WaveCandidate[], settings: WaveSettings): Wave[] {
  const ordered = rolloutOrder(candidates);
  const waves: Wave[] = [];
  let start = 0;
  for (const [index, size] of waveSizes(ordered.length, settings).entries()) {
    waves.push({ index: index + 1, name: index === 0 ? 'canary' : `wave-${index + 1}`, deviceIds: ordered.slice(start, start + size) });
    start += size;
  }
  return waves;
}

/** First one device of each stratum, then every stratum spread in proportion to its size. */
function rolloutOrder(candidates: readonly WaveCandidate[]): string[] {
  const strata = new Map<string, { deviceId: string; hash: string }[]>();
  for (const candidate of candidates) {
    const members = strata.get(candidate.stratum) ?? [];
    members.push({ deviceId: candidate.deviceId, hash: createHash('sha256').update(candidate.deviceId).digest('hex') });
    strata.set(candidate.stratum, members);
  }
  const names = [...strata.keys()].sort();
  const firsts: string[] = [];
  const rest: { deviceId: string; position: number; stratum: number; rank: number }[] = [];
  names.forEach((name, stratum) => {
    const members = strata.get(name)!.sort((a, b) => compare(a.hash, b.hash) || compare(a.deviceId, b.deviceId));
    firsts.push(members[0]!.deviceId);
    for (let rank = 1; rank < members.length; rank += 1) {
      rest.push({ deviceId: members[rank]!.deviceId, position: rank / members.length, stratum, rank });
    }
  });
  rest.sort((a, b) => a.position - b.position || a.stratum - b.stratum || a.rank - b.rank);
  return [...firsts, ...rest.map((entry) => entry.deviceId)];
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
