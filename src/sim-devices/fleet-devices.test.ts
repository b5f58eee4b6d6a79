import { describe, expect, it } from 'vitest';
import { devicesWithinDescriptors, openFilesLimit } from './fleet-devices.js';

describe('how many devices fit the descriptor limit', () => {
  it('keeps two descriptors per device and a reserve for the sandbox', () => {
    expect(devicesWithinDescriptors(20_000)).toBe(9_500);
    expect(devicesWithinDescriptors(1_024)).toBe(12);
    expect(devicesWithinDescriptors(500)).toBe(0);
  });

  it('reads this process’s limit', () => {
    expect(openFilesLimit()).toBeGreaterThan(0);
  });
});
