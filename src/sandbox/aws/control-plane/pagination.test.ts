import { describe, expect, it } from 'vitest';
import { encodePageToken, pageOf } from './pagination.js';

describe('pageOf', () => {
  const keys = ['a', 'b', 'c', 'd', 'e'];
  const pageAll = (request: Omit<Parameters<typeof pageOf>[0], 'token'>) => {
    const pages: unknown[][] = [];
    let token: string | undefined;
    do {
      const page = pageOf({ ...request, token });
      pages.push(page.items);
      token = page.nextToken;
    } while (token);
    return pages;
  };

  it('pages through keys and stops without an empty last page', () => {
    expect(pageAll({ scope: 'List', keys, limit: 2 })).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    expect(pageAll({ scope: 'List', keys, limit: 5 })).toEqual([keys]);
  });

  it('pages descending when the keys are in descending order', () => {
    expect(pageAll({ scope: 'List', keys: [...keys].reverse(), limit: 3, descending: true })).toEqual([['e', 'd', 'c'], ['b', 'a']]);
  });

  it('skips keys the filter leaves out, and offers no next page when none match beyond', () => {
    const select = (key: string) => (key === 'b' || key === 'c' ? undefined : key.toUpperCase());
    expect(pageAll({ scope: 'List', keys, limit: 1, select })).toEqual([['A'], ['D'], ['E']]);
    expect(pageOf({ scope: 'List', keys, limit: 1, token: undefined, select: (key) => (key === 'a' ? key : undefined) }).nextToken).toBeUndefined();
  });

  it('resumes after the last key returned, so keys added meanwhile do not shift pages', () => {
    const first = pageOf({ scope: 'List', keys, limit: 2, token: undefined });
    const grown = ['0', 'a', 'aa', 'b', 'c', 'd', 'e'];
    expect(pageOf({ scope: 'List', keys: grown, limit: 2, token: first.nextToken }).items).toEqual(['c', 'd']);
  });

  it('resumes correctly when the last key returned has since been removed', () => {
    const token = encodePageToken('List', 'b');
    expect(pageOf({ scope: 'List', keys: ['a', 'c'], limit: 5, token }).items).toEqual(['c']);
  });

  it('refuses a token that is garbage or belongs to another operation', () => {
    expect(() => pageOf({ scope: 'List', keys, limit: 2, token: 'not-a-token' })).toThrow(/Invalid pagination token/);
    expect(() => pageOf({ scope: 'List', keys, limit: 2, token: encodePageToken('Other', 'a') })).toThrow(
      expect.objectContaining({ errorType: 'InvalidRequestException', status: 400 }),
    );
  });
});
