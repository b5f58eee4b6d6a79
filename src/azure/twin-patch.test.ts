import { describe, expect, it } from 'vitest';
import { twinPatchFor } from './twin-patch.js';

const seed = {
  tags: { aws: { thingName: 't-1', thingArn: 'arn:t-1' }, thingType: 'thermostat', attributes: { site: 'berlin' }, groups: { 'site-berlin': true } },
  desired: { setpoint: 21, config: { reportingIntervalSeconds: 60 } },
};

describe('twinPatchFor', () => {
  it('sends the whole seed to an empty twin', () => {
    expect(twinPatchFor({ tags: {}, desired: {} }, seed)).toEqual({ tags: seed.tags, properties: { desired: seed.desired } });
  });

  it('sends nothing when the twin already holds the seed, whatever else it holds', () => {
    const current = { tags: { ...structuredClone(seed.tags), owner: 'ops' }, desired: { ...structuredClone(seed.desired), fromSomeoneElse: true } };
    expect(twinPatchFor(current, seed)).toBeUndefined();
  });

  it('sends only what differs, and deletes stale keys under the keys the plan owns', () => {
    const current = {
      tags: { ...structuredClone(seed.tags), attributes: { site: 'lisbon', retired: 'yes' }, owner: 'ops' },
      desired: { setpoint: 21, config: { reportingIntervalSeconds: 60 } },
    };
    expect(twinPatchFor(current, seed)).toEqual({ tags: { attributes: { site: 'berlin', retired: null } } });
  });

  it('replaces arrays and scalars whole, and an object where the twin has a scalar', () => {
    const target = { tags: { list: [1, 2], mode: { a: 1 } }, desired: {} };
    expect(twinPatchFor({ tags: { list: [1, 2], mode: { a: 1 } }, desired: {} }, target)).toBeUndefined();
    expect(twinPatchFor({ tags: { list: [2, 1], mode: 'flat' }, desired: {} }, target)).toEqual({ tags: { list: [1, 2], mode: { a: 1 } } });
  });

  it('treats an empty object as absent, so a hub that drops empty objects is not patched forever', () => {
    expect(twinPatchFor({ tags: { attributes: {} }, desired: {} }, { tags: { attributes: {}, groups: {} }, desired: {} })).toBeUndefined();
    expect(twinPatchFor({ tags: { groups: { old: true } }, desired: {} }, { tags: { groups: {} }, desired: {} })).toEqual({ tags: { groups: { old: null } } });
  });

  it('keeps a key named __proto__ an ordinary key', () => {
    const patch = twinPatchFor({ tags: {}, desired: {} }, { tags: JSON.parse('{"attributes":{"__proto__":"x"}}'), desired: {} });
    expect(JSON.stringify(patch)).toBe('{"tags":{"attributes":{"__proto__":"x"}}}');
  });
});
