import { describe, expect, it } from 'vitest';
import { isShadowTopic, parseShadowRequestTopic, shadowResponseTopic } from './shadow-topics.js';

describe('shadow topics', () => {
  it('parses classic and named shadow requests', () => {
    expect(parseShadowRequestTopic('$aws/things/thermostat-00001/shadow/get')).toEqual({
      thingName: 'thermostat-00001',
      shadowName: '',
      operation: 'get',
    });
    expect(parseShadowRequestTopic('$aws/things/gw:1/shadow/name/config/update')).toEqual({
      thingName: 'gw:1',
      shadowName: 'config',
      operation: 'update',
    });
    expect(parseShadowRequestTopic('$aws/things/t/shadow/name/config/delete')?.operation).toBe('delete');
  });

  it('is not fooled by responses, other $aws topics or malformed names', () => {
    for (const topic of [
      '$aws/things/t/shadow/get/accepted',
      '$aws/things/t/shadow/update/delta',
      '$aws/things/t/shadow/name/config/update/documents',
      '$aws/things/t/shadow/list',
      '$aws/things/t/shadow/name//get',
      '$aws/things/t/shadow/name/bad name/get',
      '$aws/things//shadow/get',
      '$aws/things/t/jobs/get',
      'dt/things/t/shadow/get',
    ]) {
      expect(parseShadowRequestTopic(topic), topic).toBeUndefined();
    }
  });

  it('recognises the whole shadow namespace, requests and responses', () => {
    expect(isShadowTopic('$aws/things/t/shadow/get')).toBe(true);
    expect(isShadowTopic('$aws/things/t/shadow/update/accepted')).toBe(true);
    expect(isShadowTopic('$aws/things/t/shadow/name/x/whatever')).toBe(true);
    expect(isShadowTopic('$aws/things/t/jobs/get')).toBe(false);
    expect(isShadowTopic('things/t/shadow/get')).toBe(false);
  });

  it('builds response topics', () => {
    expect(shadowResponseTopic({ thingName: 't', shadowName: '' }, 'update/delta')).toBe('$aws/things/t/shadow/update/delta');
    expect(shadowResponseTopic({ thingName: 't', shadowName: 'config' }, 'get/rejected')).toBe(
      '$aws/things/t/shadow/name/config/get/rejected',
    );
  });
});
