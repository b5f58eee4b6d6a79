import { describe, expect, it } from 'vitest';
import { compileFleetQuery, InvalidQueryError } from './fleet-index-query.js';

const thing = { thingName: 'sensor-0001', thingTypeName: 'thermostat', attributes: { firmwareVersion: '1.2.0', site: 'berlin' } };

describe('compileFleetQuery', () => {
  it.each([
    ['attributes.firmwareVersion:1.2.0', true],
    ['attributes.firmwareVersion:1.1.*', false],
    ['attributes.firmwareVersion:1.*', true],
    ['thingName:sensor-* AND attributes.site:berlin', true],
    ['thingName:sensor-* AND attributes.site:paris', false],
    ['attributes.site:paris OR thingTypeName:thermostat', true],
    ['NOT attributes.site:paris', true],
    ['(attributes.site:paris OR attributes.site:berlin) AND NOT thingTypeName:gateway', true],
    ['attributes.site:"berlin"', true],
    ['attributes.missing:*', false],
  ])('%s → %s', (query, expected) => {
    expect(compileFleetQuery(query)(thing)).toBe(expected);
  });

  it('rejects unsupported fields and broken syntax', () => {
    expect(() => compileFleetQuery('shadow.reported.x:1')).toThrow(InvalidQueryError);
    expect(() => compileFleetQuery('(thingName:a')).toThrow(InvalidQueryError);
    expect(() => compileFleetQuery('justaword')).toThrow(InvalidQueryError);
  });
});
