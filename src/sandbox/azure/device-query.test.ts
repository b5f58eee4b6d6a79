import { describe, expect, it } from 'vitest';
import { compileDeviceQuery } from './device-query.js';
import type { JsonObject } from './twin-document.js';

const twins: JsonObject[] = [
  { deviceId: 'a', status: 'enabled', tags: { site: 'north', floor: 1 }, properties: { reported: { firmware: '1.0.0' } } },
  { deviceId: 'b', status: 'disabled', tags: { site: 'south', floor: 3 }, properties: { reported: { firmware: '2.0.0' } } },
  { deviceId: 'c', status: 'enabled', tags: {}, properties: { reported: {} } },
];
const matching = (sql: string) => twins.filter((twin) => compileDeviceQuery(sql).matches(twin)).map((twin) => twin.deviceId);

describe('device query', () => {
  it('selects all devices, or counts them', () => {
    expect(matching('SELECT * FROM devices')).toEqual(['a', 'b', 'c']);
    expect(compileDeviceQuery('select count() as total from devices').projection).toEqual({ kind: 'count', alias: 'total' });
  });

  it('compares paths with literals of the same type only', () => {
    expect(matching("SELECT * FROM devices WHERE tags.site = 'north'")).toEqual(['a']);
    expect(matching('SELECT * FROM devices WHERE tags.floor >= 2')).toEqual(['b']);
    expect(matching("SELECT * FROM devices WHERE tags.floor = '1'")).toEqual([]);
    expect(matching("SELECT * FROM devices WHERE properties.reported.firmware <> '2.0.0'")).toEqual(['a']);
  });

  it('treats a missing path as undefined, which neither a comparison nor NOT lets through', () => {
    expect(matching("SELECT * FROM devices WHERE NOT (tags.site = 'north')")).toEqual(['b']);
    expect(matching("SELECT * FROM devices WHERE tags.site = 'north' OR status = 'enabled'")).toEqual(['a', 'c']);
    expect(matching('SELECT * FROM devices WHERE IS_DEFINED(tags.site) AND NOT IS_DEFINED(tags.missing)')).toEqual(['a', 'b']);
  });

  it('supports IN, NIN, STARTSWITH and ENDSWITH', () => {
    expect(matching("SELECT * FROM devices WHERE deviceId IN ['c', 'a']")).toEqual(['a', 'c']);
    expect(matching("SELECT * FROM devices WHERE tags.site NIN ['north']")).toEqual(['b']);
    expect(matching("SELECT * FROM devices WHERE STARTSWITH(properties.reported.firmware, '2.')")).toEqual(['b']);
    expect(matching("SELECT * FROM devices WHERE ENDSWITH(tags.site, 'th') AND tags.floor < 2")).toEqual(['a']);
  });

  it('refuses what it does not support with a 400 that says what it does', () => {
    for (const sql of ['SELECT deviceId FROM devices', 'SELECT * FROM devices.modules', 'SELECT * FROM devices GROUP BY status', "SELECT * FROM devices WHERE tags.site LIKE 'n%'"]) {
      expect(() => compileDeviceQuery(sql), sql).toThrow(expect.objectContaining({ status: 400, code: 'ArgumentInvalid' }));
    }
  });
});
