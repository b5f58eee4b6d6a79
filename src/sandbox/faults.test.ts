import { describe, expect, it } from 'vitest';
import { FaultInjector, formatFaults, NO_FAULTS, parseFaults } from './faults.js';

describe('parseFaults', () => {
  it('reads kind=probability pairs and leaves the rest at zero', () => {
    expect(parseFaults('download-drop=0.05, azure-refuse=1')).toEqual({ ...NO_FAULTS, 'download-drop': 0.05, 'azure-refuse': 1 });
    expect(parseFaults('')).toEqual(NO_FAULTS);
    expect(formatFaults(parseFaults('azure-refuse=0.1,bundle-corrupt=0.2'))).toBe('bundle-corrupt=0.2,azure-refuse=0.1');
  });

  it('names the bad part and the kinds it knows', () => {
    expect(() => parseFaults('disk-full=0.1')).toThrow('--faults: "disk-full=0.1" is not kind=probability');
    expect(() => parseFaults('azure-refuse')).toThrow('is not kind=probability');
    expect(() => parseFaults('azure-refuse=1.5')).toThrow('azure-refuse must be a probability from 0 to 1, got "1.5"');
  });
});

describe('FaultInjector', () => {
  it('strikes at about the rate asked, never at zero, and the same way for the same seed', () => {
    const rates = { ...NO_FAULTS, 'download-drop': 0.1 };
    const first = new FaultInjector(rates, 7);
    const second = new FaultInjector(rates, 7);
    const strikes = Array.from({ length: 10_000 }, () => first.strikes('download-drop'));
    expect(strikes).toEqual(Array.from({ length: 10_000 }, () => second.strikes('download-drop')));
    const share = strikes.filter(Boolean).length / strikes.length;
    expect(share).toBeGreaterThan(0.08);
    expect(share).toBeLessThan(0.12);
    expect(Array.from({ length: 1000 }, () => first.strikes('azure-refuse')).some(Boolean)).toBe(false);
    expect(first.any).toBe(true);
    expect(new FaultInjector(NO_FAULTS, 1).any).toBe(false);
  });
});
