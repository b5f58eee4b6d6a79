import { describe, expect, it } from 'vitest';
import { FaultInjector, NO_FAULTS } from '../../faults.js';
import { ConnectionRefusals, DEFAULT_REFUSAL_REASON } from './connection-refusals.js';

describe('ConnectionRefusals', () => {
  it('refuses listed devices with their reason, drops them, and admits them again', () => {
    const dropped: string[] = [];
    const refusals = new ConnectionRefusals(undefined, (deviceId) => dropped.push(deviceId));
    refusals.refuse(['b', 'a'], 'rollback rehearsal');
    refusals.refuse(['c']);
    expect(dropped).toEqual(['b', 'a', 'c']);
    expect(refusals.list()).toEqual([
      { deviceId: 'a', reason: 'rollback rehearsal' },
      { deviceId: 'b', reason: 'rollback rehearsal' },
      { deviceId: 'c', reason: DEFAULT_REFUSAL_REASON },
    ]);
    expect(refusals.refusalOf('a')).toBe('rollback rehearsal');
    expect(refusals.refusalOf('d')).toBeUndefined();
    refusals.admit(['a', 'c']);
    expect(refusals.refusalOf('a')).toBeUndefined();
    expect(refusals.list()).toEqual([{ deviceId: 'b', reason: 'rollback rehearsal' }]);
  });

  it('draws azure-refuse only for devices not on the list, reproducibly from the seed', () => {
    const decisions = (seed: number) => {
      const faults = new FaultInjector({ ...NO_FAULTS, 'azure-refuse': 0.5 }, seed);
      const refusals = new ConnectionRefusals(faults, () => {});
      refusals.refuse(['listed']);
      const outcomes = Array.from({ length: 40 }, (_, index) => refusals.refusalOf(index % 4 === 0 ? 'listed' : 'free'));
      return { outcomes, struck: faults.struck('azure-refuse') };
    };
    const first = decisions(3);
    expect(first).toEqual(decisions(3));
    expect(first.outcomes.filter((_, index) => index % 4 === 0).every((reason) => reason === DEFAULT_REFUSAL_REASON)).toBe(true);
    expect(first.struck).toBe(first.outcomes.filter((reason) => reason === 'azure-refuse fault injected').length);
    expect(first.struck).toBeGreaterThan(5);
    expect(first.struck).toBeLessThan(25);
  });
});
