import { invalidRequest } from './aws-error.js';

/**
 * Paging for every list operation. A token names the last key returned (not an
 * offset), so things created or deleted while a caller pages never shift or repeat
 * later pages. It is opaque to callers: base64url of `[scope, lastKey]`, where the
 * scope (the operation) makes a token from one list call invalid in another.
 */
export interface Page<T> {
  items: T[];
  /** Absent on the last page, which is how the SDK paginators know to stop. */
  nextToken: string | undefined;
}

export interface PageRequest<T> {
  scope: string;
  token: string | undefined;
  limit: number;
  /** Keys in listing order: ascending by `<`, or descending when `descending` is set. */
  keys: readonly string[];
  descending?: boolean;
  /** The item for a key, or undefined to leave the key out (a filter). Defaults to the key itself. */
  select?: (key: string) => T | undefined;
}

export function pageOf<T = string>(request: PageRequest<T>): Page<T> {
  const { keys, limit } = request;
  const select = request.select ?? ((key: string) => key as T);
  const after = request.token === undefined ? undefined : decodePageToken(request.scope, request.token);
  let index = after === undefined ? 0 : firstIndexAfter(keys, after, request.descending ?? false);

  const items: T[] = [];
  let lastKey: string | undefined;
  for (; index < keys.length && items.length < limit; index += 1) {
    const item = select(keys[index]!);
    if (item === undefined) continue;
    items.push(item);
    lastKey = keys[index];
  }
  // Offer a next page only when one more item exists, so callers never fetch an empty page.
  let more = false;
  for (; index < keys.length && !more; index += 1) more = select(keys[index]!) !== undefined;
  return { items, nextToken: more && lastKey !== undefined ? encodePageToken(request.scope, lastKey) : undefined };
}

export function encodePageToken(scope: string, lastKey: string): string {
  return Buffer.from(JSON.stringify([scope, lastKey])).toString('base64url');
}

function decodePageToken(scope: string, token: string): string {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  if (!Array.isArray(decoded) || decoded.length !== 2 || decoded[0] !== scope || typeof decoded[1] !== 'string') {
    throw invalidRequest(`Invalid pagination token for ${scope}: pass back the token exactly as the previous page returned it`);
  }
  return decoded[1];
}

/** Binary search: the first position whose key comes after `after` in listing order. */
function firstIndexAfter(keys: readonly string[], after: string, descending: boolean): number {
  let low = 0;
  let high = keys.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const key = keys[middle]!;
    const beyond = descending ? key < after : key > after;
    if (beyond) high = middle;
    else low = middle + 1;
  }
  return low;
}
