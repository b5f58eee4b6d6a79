import { describe, expect, it } from 'vitest';
import { emptyEstate } from '../estate.js';
import { EstateStore } from '../estate-store.js';
import { handleShadowRequest } from './shadow-service.js';

const classic = (operation: 'get' | 'update' | 'delete') => ({ thingName: 't1', shadowName: '', operation });
const named = (operation: 'get' | 'update' | 'delete') => ({ thingName: 't1', shadowName: 'config', operation });
const json = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('shadow service', () => {
  it('updates, answers with accepted, delta and documents, and serves get', () => {
    const store = EstateStore.inMemory(emptyEstate('123456789012', 'us-east-1'));
    const reported = handleShadowRequest(store, classic('update'), json({ state: { reported: { temp: 20 } }, clientToken: 'a' }), 100);
    expect(reported.map((reply) => reply.topic)).toEqual([
      '$aws/things/t1/shadow/update/accepted',
      '$aws/things/t1/shadow/update/documents',
    ]);
    expect(reported[0]!.payload).toMatchObject({ state: { reported: { temp: 20 } }, version: 1, timestamp: 100, clientToken: 'a' });
    expect(reported[1]!.payload).toMatchObject({ previous: { version: 0 }, current: { version: 1 } });
    expect(reported[1]!.payload).not.toHaveProperty('clientToken');

    const desired = handleShadowRequest(store, classic('update'), json({ state: { desired: { temp: 22 } }, clientToken: 'b' }), 200);
    expect(desired.map((reply) => reply.topic.split('/shadow/')[1])).toEqual(['update/accepted', 'update/delta', 'update/documents']);
    expect(desired[1]!.payload).toEqual({
      state: { temp: 22 },
      metadata: { temp: { timestamp: 200 } },
      version: 2,
      timestamp: 200,
      clientToken: 'b',
    });

    const [got] = handleShadowRequest(store, classic('get'), '', 300);
    expect(got).toEqual({
      topic: '$aws/things/t1/shadow/get/accepted',
      payload: expect.objectContaining({
        state: { desired: { temp: 22 }, reported: { temp: 20 }, delta: { temp: 22 } },
        version: 2,
        timestamp: 300,
      }),
    });
    expect(store.estate.shadows.t1?.['']?.version).toBe(2);
  });

  it('keeps named shadows apart from the classic one and deletes them', () => {
    const store = EstateStore.inMemory(emptyEstate('123456789012', 'us-east-1'));
    handleShadowRequest(store, named('update'), json({ state: { reported: { level: 'info' } } }), 1);
    expect(handleShadowRequest(store, classic('get'), '{}', 2)[0]).toEqual({
      topic: '$aws/things/t1/shadow/get/rejected',
      payload: { code: 404, message: "No shadow exists with name: 't1'", timestamp: 2 },
    });
    expect(handleShadowRequest(store, named('delete'), json({ clientToken: 'c' }), 3)).toEqual([
      { topic: '$aws/things/t1/shadow/name/config/delete/accepted', payload: { version: 1, timestamp: 3, clientToken: 'c' } },
    ]);
    expect(store.estate.shadows.t1).toEqual({});
    expect(handleShadowRequest(store, named('get'), json({ clientToken: 'd' }), 4)[0]?.payload).toEqual({
      code: 404,
      message: "No shadow exists with name: 'config'",
      timestamp: 4,
      clientToken: 'd',
    });
  });

  it('rejects bad JSON, a bad clientToken, a missing state and a stale version', () => {
    const store = EstateStore.inMemory(emptyEstate('123456789012', 'us-east-1'));
    const rejection = (operation: 'get' | 'update', payload: Buffer | string) =>
      handleShadowRequest(store, classic(operation), payload, 9)[0]!;
    expect(rejection('update', 'not json')).toEqual({
      topic: '$aws/things/t1/shadow/update/rejected',
      payload: { code: 400, message: 'Invalid JSON', timestamp: 9 },
    });
    expect(rejection('update', '')).toMatchObject({ payload: { code: 400, message: 'Invalid JSON' } });
    expect(rejection('get', '[1]')).toMatchObject({ topic: '$aws/things/t1/shadow/get/rejected', payload: { code: 400 } });
    expect(rejection('get', json({ clientToken: 'x'.repeat(65) }))).toMatchObject({
      payload: { code: 400, message: 'Invalid clientToken' },
    });
    expect(rejection('update', json({ clientToken: 'e' }))).toMatchObject({
      payload: { code: 400, message: 'Missing required node: state', clientToken: 'e' },
    });
    handleShadowRequest(store, classic('update'), json({ state: { reported: { a: 1 } } }), 9);
    expect(rejection('update', json({ state: { reported: { a: 2 } }, version: 7 }))).toMatchObject({ payload: { code: 409 } });
    expect(store.estate.shadows.t1?.['']?.state.reported).toEqual({ a: 1 });
  });
});
