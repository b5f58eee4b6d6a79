import { describe, expect, it } from 'vitest';
import { thing } from './manifest.fixture.js';
import { twinSeedOf } from './twin-seed.js';

const groupsAsIs = (subject: { groups: string[] }) => subject.groups;

describe('twinSeedOf', () => {
  it('turns type, attributes and groups into tags, and shadows into desired properties', () => {
    const seed = twinSeedOf(
      thing('t1', {
        thingTypeName: 'thermostat',
        attributes: { site: 'berlin', serial: 'SN1' },
        groups: ['site-berlin'],
        billingGroupName: 'premium',
        shadows: [
          { name: null, desired: { setpoint: 21 }, reported: { setpoint: 21, temperature: 19.5 }, version: 3 },
          { name: 'config', desired: { interval: 60 }, reported: { interval: 60, logLevel: 'info' }, version: 1 },
          { name: 'diagnostics', desired: null, reported: { uptime: 5 }, version: 1 },
        ],
      }),
      groupsAsIs,
    );
    expect(seed).toEqual({
      tags: {
        aws: { thingName: 't1', thingArn: 'arn:aws:iot:eu-west-1:123456789012:thing/t1', billingGroup: 'premium' },
        thingType: 'thermostat',
        attributes: { serial: 'SN1', site: 'berlin' },
        groups: { 'site-berlin': true },
      },
      desired: { setpoint: 21, config: { interval: 60 } },
      reportedAtSource: {
        classic: { setpoint: 21, temperature: 19.5 },
        named: { config: { interval: 60, logLevel: 'info' }, diagnostics: { uptime: 5 } },
      },
      flags: [],
    });
  });

  it('renames keys twins forbid, and a named shadow that collides with a classic key', () => {
    const seed = twinSeedOf(
      thing('t1', {
        attributes: { 'hw.rev': 'B', 'hw_rev': 'A' },
        groups: ['firmware-1.0'],
        shadows: [
          { name: null, desired: { config: 1, $meta: { 'a b': 2 } }, reported: null, version: 1 },
          { name: 'config', desired: { x: 1 }, reported: null, version: 1 },
        ],
      }),
      groupsAsIs,
    );
    expect(seed.tags.attributes).toEqual({ hw_rev: 'A', hw_rev_2: 'B' });
    expect(seed.tags.groups).toEqual({ 'firmware-1_0': true });
    expect(seed.desired).toEqual({ config: 1, _meta: { a_b: 2 }, 'shadow-config': { x: 1 } });
    expect(seed.flags).toEqual(['twin-desired-section-renamed', 'twin-key-renamed']);
  });

  it('flags twins IoT Hub would refuse: size, depth and values', () => {
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let level = 0; level < 10; level += 1) deep = { [`l${level}`]: deep };
    const seed = twinSeedOf(
      thing('t1', {
        attributes: Object.fromEntries(Array.from({ length: 100 }, (_, index) => [`attribute${index}`, 'x'.repeat(80)])),
        shadows: [{ name: null, desired: { deep, big: 'y'.repeat(5_000), huge: 2 ** 60 }, reported: null, version: 1 }],
      }),
      groupsAsIs,
    );
    expect(seed.flags).toEqual(['twin-tags-too-large', 'twin-too-deep', 'twin-value-out-of-range']);
  });

  it('accepts ten levels of objects below desired but not eleven', () => {
    const nest = (levels: number) => {
      let value: Record<string, unknown> = { property: 'value' };
      for (let level = 1; level < levels; level += 1) value = { [`n${level}`]: value };
      return value;
    };
    const at = (levels: number) => twinSeedOf(thing('t1', { shadows: [{ name: null, desired: nest(levels), reported: null, version: 1 }] }), groupsAsIs).flags;
    // nest(n) is the desired object itself with n - 1 levels of objects below it.
    expect(at(11)).toEqual([]);
    expect(at(12)).toEqual(['twin-too-deep']);
  });
});
