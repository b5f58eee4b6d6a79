import { describe, expect, it } from 'vitest';
import { fleetSummaryOf } from './fleet-summary.js';

describe('fleetSummaryOf', () => {
  it("reads apply's per-state counts and its stages' failures", () => {
    expect(
      fleetSummaryOf({
        'identities.created': 95,
        'identities.failed': 2,
        'rollout.failed': 1,
        'devices.pending': 2,
        'devices.verified': 90,
        'devices.rolled-back': 2,
        'devices.quarantined': 1,
        'devices.identity-created': 5,
      }),
    ).toEqual({ devices: 100, verified: 90, rolledBack: 2, quarantined: 1, failed: 3 });
  });

  it('takes what a command knows itself over what the counts suggest', () => {
    expect(fleetSummaryOf({ things: 12 }, { devices: 12 })).toEqual({ devices: 12, verified: 0, rolledBack: 0, quarantined: 0, failed: 0 });
  });
});
