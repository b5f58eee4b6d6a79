import { UsageError } from '../errors.js';
import { seededRandom } from './seeded-random.js';

/**
 * The faults a sandbox injects for rehearsals (`sandbox up --faults kind=P,...`), each a
 * probability from 0 to 1, drawn from one seeded generator per kind so `--seed`
 * reproduces a run:
 * - download-drop: S3 cuts a device's bundle download mid-way;
 * - bundle-corrupt: S3 flips bytes of a bundle in transit;
 * - azure-refuse: IoT Hub refuses a device's MQTT connection attempt;
 * - api-throttle: the AWS control plane answers a call with ThrottlingException;
 * - device-offline: a simulated device drops off the network for a while.
 */
export const FAULT_KINDS = ['download-drop', 'bundle-corrupt', 'azure-refuse', 'api-throttle', 'device-offline'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];
export type FaultRates = Readonly<Record<FaultKind, number>>;

export const NO_FAULTS: FaultRates = Object.freeze(Object.fromEntries(FAULT_KINDS.map((kind) => [kind, 0])) as Record<FaultKind, number>);

export function parseFaults(spec: string): FaultRates {
  const rates: Record<FaultKind, number> = { ...NO_FAULTS };
  for (const part of spec.split(',').map((item) => item.trim()).filter(Boolean)) {
    const [kind, value, ...rest] = part.split('=');
    if (!(FAULT_KINDS as readonly string[]).includes(kind ?? '') || value === undefined || rest.length > 0) {
      throw new UsageError(`--faults: "${part}" is not kind=probability`, { hint: `kinds: ${FAULT_KINDS.join(', ')}; e.g. --faults download-drop=0.05,azure-refuse=0.1` });
    }
    const probability = Number(value);
    if (value.trim() === '' || !Number.isFinite(probability) || probability < 0 || probability > 1) {
      throw new UsageError(`--faults: ${kind} must be a probability from 0 to 1, got "${value}"`);
    }
    rates[kind as FaultKind] = probability;
  }
  return rates;
}

export function formatFaults(rates: FaultRates): string {
  return FAULT_KINDS.filter((kind) => rates[kind] > 0)
    .map((kind) => `${kind}=${rates[kind]}`)
    .join(',');
}

/**
 * Decides, per kind, whether the next occasion fails. Each kind has its own stream from
 * the seed, so adding a download does not shift which hub connections are refused.
 */
export class FaultInjector {
  private readonly streams: Record<FaultKind, () => number>;
  private readonly strikeCounts: Record<FaultKind, number> = { ...NO_FAULTS };

  constructor(
    readonly rates: FaultRates,
    seed: number,
  ) {
    this.streams = Object.fromEntries(FAULT_KINDS.map((kind, index) => [kind, seededRandom(seed * 31 + index + 1)])) as Record<FaultKind, () => number>;
  }

  /** True when this occasion of `kind` should fail. */
  strikes(kind: FaultKind): boolean {
    const rate = this.rates[kind];
    const strikes = rate > 0 && this.streams[kind]() < rate;
    if (strikes) this.strikeCounts[kind] += 1;
    return strikes;
  }

  /** How many occasions of `kind` have failed so far: what a rehearsal or a test checks it got. */
  struck(kind: FaultKind): number {
    return this.strikeCounts[kind];
  }

  /** A draw from the kind's stream in [0, 1), for how a fault plays out (where to cut, how long to stay offline). */
  draw(kind: FaultKind): number {
    return this.streams[kind]();
  }

  get any(): boolean {
    return FAULT_KINDS.some((kind) => this.rates[kind] > 0);
  }
}
