import { describe, expect, it } from 'vitest';
import { applyShadowUpdate, computeDelta, shadowGetPayload, type ShadowUpdateResult } from './shadow-document.js';

const ok = (result: ReturnType<typeof applyShadowUpdate>): ShadowUpdateResult => {
  if ('code' in result) throw new Error(result.message);
  return result;
};

describe('shadow documents', () => {
  it('creates, merges, versions and computes the delta', () => {
    const first = ok(applyShadowUpdate(undefined, { state: { reported: { temp: 20, mode: 'auto' } } }, 100));
    expect(first.shadow.version).toBe(1);
    expect(first.delta).toBeUndefined();

    const second = ok(applyShadowUpdate(first.shadow, { state: { desired: { temp: 22, mode: 'auto' } } }, 200));
    expect(second.shadow.version).toBe(2);
    expect(second.delta?.state).toEqual({ temp: 22 });
    expect(second.delta?.metadata).toEqual({ temp: { timestamp: 200 } });
    expect(shadowGetPayload(second.shadow)).toMatchObject({
      state: { desired: { temp: 22, mode: 'auto' }, reported: { temp: 20, mode: 'auto' }, delta: { temp: 22 } },
      version: 2,
    });

    const third = ok(applyShadowUpdate(second.shadow, { state: { reported: { temp: 22, mode: null } } }, 300));
    expect(third.shadow.state.reported).toEqual({ temp: 22 });
    expect(third.delta).toBeUndefined();
  });

  it('rejects a stale version and a missing state', () => {
    const first = ok(applyShadowUpdate(undefined, { state: { reported: { a: 1 } } }, 1));
    expect(applyShadowUpdate(first.shadow, { state: { reported: { a: 2 } }, version: 7 }, 2)).toEqual({ code: 409, message: 'Version conflict' });
    expect(applyShadowUpdate(first.shadow, { desired: {} }, 2)).toMatchObject({ code: 400 });
  });

  it('diffs nested objects', () => {
    expect(computeDelta({ a: { b: 1, c: 2 } }, { a: { b: 1, c: 3 } })).toEqual({ a: { c: 2 } });
    expect(computeDelta({ a: [1, 2] }, { a: [1, 2] })).toBeUndefined();
  });
});
