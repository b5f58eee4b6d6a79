import { describe, expect, it } from 'vitest';
import { DEFAULT_WAVE_SETTINGS, planWaves, waveSettingsProblem, waveSizes, type WaveCandidate } from './waves.js';

const settings = DEFAULT_WAVE_SETTINGS;

describe('waveSizes', () => {
  it('starts with a canary of 5 devices when 1% is fewer, then doubles', () => {
    expect(waveSizes(100, settings)).toEqual([5, 10, 20, 40, 25]);
  });

  it('uses 1% of a large fleet as the canary and caps every wave', () => {
    const sizes = waveSizes(100_000, settings);
    expect(sizes.slice(0, 5)).toEqual([1_000, 2_000, 4_000, 8_000, 10_000]);
    expect(Math.max(...sizes)).toBe(10_000);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(100_000);
    expect(sizes).toHaveLength(13);
  });

  it('never plans more devices than the fleet has', () => {
    expect(waveSizes(3, settings)).toEqual([3]);
    expect(waveSizes(0, settings)).toEqual([]);
  });

  it('follows overrides, including a growth factor of 1', () => {
    expect(waveSizes(10, { canaryPercent: 10, canaryMinimum: 1, growthFactor: 1, maximumWaveSize: 100 })).toEqual(Array(10).fill(1));
    expect(waveSizes(50, { canaryPercent: 1, canaryMinimum: 2, growthFactor: 3, maximumWaveSize: 10 })).toEqual([2, 6, 10, 10, 10, 10, 2]);
    expect(waveSizes(1_000, { ...settings, maximumWaveSize: 4 })[0]).toBe(4);
  });

  it('rejects settings outside their ranges', () => {
    expect(waveSettingsProblem(settings)).toBeUndefined();
    expect(waveSettingsProblem({ ...settings, canaryPercent: 0 })).toContain('--canary-percent');
    expect(waveSettingsProblem({ ...settings, canaryMinimum: 1.5 })).toContain('--canary-minimum');
    expect(waveSettingsProblem({ ...settings, growthFactor: 0.5 })).toContain('--wave-growth');
    expect(waveSettingsProblem({ ...settings, maximumWaveSize: 0 })).toContain('--wave-cap');
  });
});

describe('planWaves', () => {
  const fleet: WaveCandidate[] = [
    ...Array.from({ length: 90 }, (_, index) => ({ deviceId: `thermostat-${index}`, stratum: 'thermostat|selfSigned|cn-not-device-id' })),
    ...Array.from({ length: 8 }, (_, index) => ({ deviceId: `gateway-${index}`, stratum: 'gateway|certificateAuthority' })),
    { deviceId: 'sensor-0', stratum: 'sensor|selfSigned' },
    { deviceId: 'sensor-1', stratum: 'sensor|selfSigned' },
  ];

  it('puts one device of every kind in the canary', () => {
    const [canary] = planWaves(fleet, settings);
    expect(canary!.name).toBe('canary');
    expect(canary!.deviceIds).toHaveLength(5);
    const kinds = new Set(canary!.deviceIds.map((id) => fleet.find((candidate) => candidate.deviceId === id)!.stratum));
    expect(kinds.size).toBe(3);
  });

  it('places every device exactly once and spreads kinds in proportion', () => {
    const waves = planWaves(fleet, settings);
    const all = waves.flatMap((wave) => wave.deviceIds);
    expect(all).toHaveLength(fleet.length);
    expect(new Set(all).size).toBe(fleet.length);
    expect(waves.map((wave) => [wave.index, wave.name, wave.deviceIds.length])).toEqual([
      [1, 'canary', 5],
      [2, 'wave-2', 10],
      [3, 'wave-3', 20],
      [4, 'wave-4', 40],
      [5, 'wave-5', 25],
    ]);
    // Gateways are 8% of the fleet: about that share of the first 35 devices, not all or none.
    const gatewaysEarly = all.slice(0, 35).filter((id) => id.startsWith('gateway')).length;
    expect(gatewaysEarly).toBeGreaterThanOrEqual(2);
    expect(gatewaysEarly).toBeLessThanOrEqual(4);
  });

  it('does not depend on the input order', () => {
    expect(planWaves([...fleet].reverse(), settings)).toEqual(planWaves(fleet, settings));
  });
});
