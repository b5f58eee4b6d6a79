import { describe, expect, it } from 'vitest';
import { nextRound, parseRolloutJobId, rolloutJobId, rolloutPlanDigest } from './rollout-job-id.js';

const plan = {
  source: { accountId: '123456789012', region: 'eu-west-1', dataEndpoint: 'x', things: 3 },
  waves: { canaryPercent: 1, canaryMinimum: 1, growthFactor: 2, maximumWaveSize: 10, list: [{ index: 1, name: 'canary', deviceIds: ['a'] }] },
};

describe('rollout job IDs', () => {
  it('are the same for the same plan and differ when the waves differ', () => {
    const digest = rolloutPlanDigest(plan);
    expect(digest).toMatch(/^[0-9a-f]{8}$/);
    expect(rolloutPlanDigest(structuredClone(plan))).toBe(digest);
    const other = structuredClone(plan);
    other.waves.list[0]!.deviceIds = ['b'];
    expect(rolloutPlanDigest(other)).not.toBe(digest);
  });

  it('name planned waves, retry waves and later rounds, within what CreateJob accepts, and parse back', () => {
    const ids = [
      rolloutJobId({ digest: '0a1b2c3d', wave: { kind: 'planned', index: 1 }, round: 1 }),
      rolloutJobId({ digest: '0a1b2c3d', wave: { kind: 'planned', index: 12 }, round: 3 }),
      rolloutJobId({ digest: '0a1b2c3d', wave: { kind: 'retry', number: 2 }, round: 1 }),
    ];
    expect(ids).toEqual(['iotmigrate-0a1b2c3d-w1', 'iotmigrate-0a1b2c3d-w12-3', 'iotmigrate-0a1b2c3d-r2']);
    for (const id of ids) {
      expect(id).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
      expect(rolloutJobId(parseRolloutJobId(id)!)).toBe(id);
    }
    expect(parseRolloutJobId('some-other-job')).toBeUndefined();
  });

  it("take the round after the highest one the wave's devices were queued in", () => {
    const canary = { kind: 'planned', index: 1 } as const;
    expect(nextRound(canary, [null, null])).toBe(1);
    expect(nextRound(canary, ['iotmigrate-0a1b2c3d-w1', null])).toBe(2);
    expect(nextRound(canary, ['iotmigrate-0a1b2c3d-w1-2', 'iotmigrate-ffffffff-w1', 'iotmigrate-0a1b2c3d-w2-5', 'iotmigrate-0a1b2c3d-r1-7'])).toBe(3);
    expect(nextRound({ kind: 'retry', number: 1 }, ['iotmigrate-0a1b2c3d-r1-7'])).toBe(8);
  });
});
