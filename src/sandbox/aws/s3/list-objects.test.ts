import { describe, expect, it } from 'vitest';
import { listObjectsPage, type ListRequest } from './list-objects.js';

const keys = ['a.txt', 'fw/1.0/bundle', 'fw/1.0/sig', 'fw/2.0/bundle', 'fw/readme', 'z'];
const request = (overrides: Partial<ListRequest>): ListRequest => ({ prefix: '', delimiter: undefined, maxKeys: 1000, startAfter: undefined, continuationToken: undefined, ...overrides });

describe('ListObjectsV2 paging', () => {
  it('filters by prefix and rolls keys up at the delimiter', () => {
    expect(listObjectsPage(keys, request({ prefix: 'fw/', delimiter: '/' }))).toEqual({
      keys: ['fw/readme'],
      commonPrefixes: ['fw/1.0/', 'fw/2.0/'],
      nextContinuationToken: undefined,
    });
  });

  it('pages with continuation tokens, counting common prefixes, without repeats', () => {
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = listObjectsPage(keys, request({ delimiter: '/', maxKeys: 1, continuationToken: token }));
      seen.push(...page.keys, ...page.commonPrefixes);
      token = page.nextContinuationToken;
    } while (token);
    expect(seen).toEqual(['a.txt', 'fw/', 'z']);
    expect(listObjectsPage(keys, request({ startAfter: 'fw/2.0/bundle' })).keys).toEqual(['fw/readme', 'z']);
    expect(() => listObjectsPage(keys, request({ continuationToken: 'nonsense' }))).toThrow(/continuation token/);
  });
});
