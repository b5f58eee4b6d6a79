import { describe, expect, it } from 'vitest';
import { sizeIotHub, type SizingInput } from './hub-sizing.js';

const fleet = (devices: number, extra: Partial<SizingInput> = {}): SizingInput => ({
  devices,
  messagesPerDevicePerMinute: 1,
  reconnectMinutes: 30,
  ...extra,
});

function sized(input: SizingInput) {
  const result = sizeIotHub(input);
  if (!result.ok) throw new Error(result.reason);
  return result.sizing;
}

describe('sizeIotHub', () => {
  it('puts a small fleet on one S1 unit and shows the figures it decided on', () => {
    const sizing = sized(fleet(200));
    expect(sizing).toMatchObject({ sku: 'S1', units: 1, decidedBy: 'cheapest fit', messagesPerDay: 288_000, shortfall: null });
    expect(sizing.checks).toEqual([
      { name: 'daily messages', need: 288_000, capacity: 400_000 },
      { name: 'device-to-cloud sends/s', need: 200 / 60, capacity: 100 },
      { name: 'new connections/s', need: 200 / 1800, capacity: 100 },
    ]);
    expect(sizing.identityCreationMinutes).toBe(2);
  });

  it('adds S1 units for the daily message quota', () => {
    // 1,000 devices × 1,440 messages/day = 1.44 M → 4 units of 400,000.
    expect(sized(fleet(1_000))).toMatchObject({ sku: 'S1', units: 4 });
  });

  it('moves to S2 when that is cheaper than many S1 units', () => {
    // 10,000 devices at 1/min: 14.4 M/day needs 36 S1 units (36×) or 3 S2 units (30×).
    const sizing = sized(fleet(10_000));
    expect(sizing).toMatchObject({ sku: 'S2', units: 3 });
    expect(sizing.alternatives).toEqual([
      { sku: 'S1', units: 36, relativeCost: 36 },
      { sku: 'S2', units: 3, relativeCost: 30 },
      { sku: 'S3', units: 1, relativeCost: 100 },
    ]);
  });

  it('sizes for the reconnect rate when messages are rare', () => {
    // 900,000 devices back within 5 minutes = 3,000 new connections/s: past S1's 200
    // units (12/s each), 25 S2 units (250×) or one S3 unit (100×).
    const sizing = sized(fleet(900_000, { messagesPerDevicePerMinute: 0.001, reconnectMinutes: 5 }));
    expect(sizing).toMatchObject({ sku: 'S3', units: 1 });
    expect(sizing.alternatives.map((fit) => [fit.sku, fit.units])).toEqual([
      ['S2', 25],
      ['S3', 1],
    ]);
    expect(sizing.checks[2]).toEqual({ name: 'new connections/s', need: 3_000, capacity: 6_000 });
  });

  it('honours --sku with the units that tier needs', () => {
    expect(sized(fleet(1_000, { sku: 'S3' }))).toMatchObject({ sku: 'S3', units: 1, decidedBy: '--sku' });
  });

  it('honours --units below the estimate and says so', () => {
    const sizing = sized(fleet(1_000, { units: 2 }));
    expect(sizing).toMatchObject({ sku: 'S1', units: 2, decidedBy: '--units' });
    expect(sizing.shortfall).toBe('S1 × 2 is below the 4 units the estimate needs');
  });

  it('refuses what no hub holds', () => {
    expect(sizeIotHub(fleet(1_000_001))).toMatchObject({ ok: false, reason: expect.stringContaining('split the manifest') });
    expect(sizeIotHub(fleet(1_000, { sku: 'S3', units: 11 }))).toMatchObject({ ok: false, reason: expect.stringContaining('at most 10 units') });
    expect(sizeIotHub(fleet(900_000, { sku: 'S1', messagesPerDevicePerMinute: 1 }))).toMatchObject({
      ok: false,
      reason: expect.stringContaining('over its limit of 200'),
    });
  });
});
