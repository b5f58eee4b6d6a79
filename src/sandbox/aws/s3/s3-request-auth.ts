import type { IncomingHttpHeaders } from 'node:http';
import { accessDenied, S3Error } from './s3-error.js';

/** S3's longest presigned-URL lifetime: seven days. */
const MAX_PRESIGNED_SECONDS = 604_800;

/** Authenticated by a presigned URL (as devices fetch bundles) rather than a signed `authorization` header. */
export function isPresignedRequest(query: URLSearchParams): boolean {
  return query.has('X-Amz-Algorithm');
}

/**
 * Whether a request may proceed: it must be signed, in the `authorization` header or as
 * a presigned URL, and a presigned URL must not have expired. Signatures themselves are
 * not checked (any credentials work in the sandbox); expiry is, because OTA agents must
 * cope with a URL that ran out. `nowMs` is the server's clock. Returns the refusal, or
 * undefined.
 */
export function s3RequestRefusal(headers: IncomingHttpHeaders, query: URLSearchParams, nowMs: number): S3Error | undefined {
  if (!isPresignedRequest(query)) return headers.authorization ? undefined : accessDenied();
  const amzDate = query.get('X-Amz-Date') ?? '';
  const expiresText = query.get('X-Amz-Expires') ?? '';
  const signedAt = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  const expires = Number(expiresText);
  if (!signedAt || !Number.isInteger(expires) || query.get('X-Amz-Signature') === null || query.get('X-Amz-Credential') === null) {
    return new S3Error('AuthorizationQueryParametersError', 400, 'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.');
  }
  if (expires < 1 || expires > MAX_PRESIGNED_SECONDS) {
    return new S3Error('AuthorizationQueryParametersError', 400, `X-Amz-Expires must be between 1 and ${MAX_PRESIGNED_SECONDS} seconds`);
  }
  const [, year, month, day, hour, minute, second] = signedAt.map(Number);
  const expiresAtMs = Date.UTC(year!, month! - 1, day, hour, minute, second) + expires * 1000;
  if (nowMs > expiresAtMs) {
    return accessDenied('Request has expired', {
      'X-Amz-Expires': expiresText,
      Expires: new Date(expiresAtMs).toISOString(),
      ServerTime: new Date(nowMs).toISOString(),
    });
  }
  return undefined;
}
