import { describe, expect, it } from 'vitest';
import { FaultInjector, NO_FAULTS } from '../sandbox/faults.js';
import { OFFLINE_MAX_MS, OFFLINE_MIN_MS, offlineSpellMs } from './device-offline.js';

const spells = (rate: number, seed: number, occasions: number) => {
  const faults = new FaultInjector({ ...NO_FAULTS, 'device-offline': rate }, seed);
  return Array.from({ length: occasions }, () => offlineSpellMs(faults));
};

describe('the device-offline fault', () => {
  it('never strikes at rate 0', () => {
    expect(spells(0, 1, 1_000).every((spell) => spell === undefined)).toBe(true);
  });

  it('strikes about as often as its rate, for 5–30 s, the same way for the same seed', () => {
    const drawn = spells(0.2, 7, 5_000);
    const struck = drawn.filter((spell): spell is number => spell !== undefined);
    expect(struck.length / drawn.length).toBeGreaterThan(0.17);
    expect(struck.length / drawn.length).toBeLessThan(0.23);
    expect(Math.min(...struck)).toBeGreaterThanOrEqual(OFFLINE_MIN_MS);
    expect(Math.max(...struck)).toBeLessThanOrEqual(OFFLINE_MAX_MS);
    expect(Math.max(...struck) - Math.min(...struck)).toBeGreaterThan(20_000);
    expect(spells(0.2, 7, 5_000)).toEqual(drawn);
    expect(spells(0.2, 8, 5_000)).not.toEqual(drawn);
  });
});
