import { invalidArgument } from './s3-error.js';

/**
 * ListObjectsV2's walk over a bucket's sorted keys: prefix, delimiter (keys sharing the
 * next level roll up into one common prefix), start-after and continuation, at most
 * maxKeys entries (keys and common prefixes together) per page.
 */
export interface ListRequest {
  prefix: string;
  delimiter: string | undefined;
  maxKeys: number;
  startAfter: string | undefined;
  continuationToken: string | undefined;
}

export interface ListPage {
  keys: string[];
  commonPrefixes: string[];
  nextContinuationToken: string | undefined;
}

export function listObjectsPage(sortedKeys: readonly string[], request: ListRequest): ListPage {
  const resumeAfter = request.continuationToken === undefined ? request.startAfter : decodeToken(request.continuationToken);
  const keys: string[] = [];
  const commonPrefixes: string[] = [];
  let last: string | undefined;
  for (const key of sortedKeys) {
    if (!key.startsWith(request.prefix)) continue;
    if (resumeAfter !== undefined && (key <= resumeAfter || (isRollup(resumeAfter, request.delimiter) && key.startsWith(resumeAfter)))) continue;
    const at = request.delimiter ? key.indexOf(request.delimiter, request.prefix.length) : -1;
    const entry = at >= 0 ? key.slice(0, at + request.delimiter!.length) : key;
    if (entry === last) continue;
    if (keys.length + commonPrefixes.length === request.maxKeys) return { keys, commonPrefixes, nextContinuationToken: encodeToken(last!) };
    if (at >= 0) commonPrefixes.push(entry);
    else keys.push(entry);
    last = entry;
  }
  return { keys, commonPrefixes, nextContinuationToken: undefined };
}

const isRollup = (entry: string, delimiter: string | undefined) => delimiter !== undefined && delimiter !== '' && entry.endsWith(delimiter);

function encodeToken(last: string): string {
  return Buffer.from(JSON.stringify({ last })).toString('base64url');
}

function decodeToken(token: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { last?: unknown };
    if (typeof parsed.last === 'string') return parsed.last;
  } catch {
    // Falls through to the error S3 gives for a token it did not issue.
  }
  throw invalidArgument('The continuation token provided is incorrect');
}
