import { createHash, createHmac } from 'node:crypto';

/**
 * SigV4 query signing of an S3 GET, as `@aws-sdk/s3-request-presigner` produces it: what
 * the Jobs service puts in place of a `${aws:iot:s3-presigned-url:…}` placeholder, so
 * a device fetches its bundle with a URL of the same shape as from real S3.
 */
export interface PresignOptions {
  /** `http://host:port` of the S3 endpoint (path-style). */
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  bucket: string;
  key: string;
  expiresInSec: number;
  /** When the URL is signed; it expires expiresInSec later. */
  signedAt: Date;
}

export function presignS3GetUrl(options: PresignOptions): string {
  const url = new URL(options.endpoint);
  const amzDate = options.signedAt.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const scope = `${amzDate.slice(0, 8)}/${options.region}/s3/aws4_request`;
  const path = `/${options.bucket}/${options.key.split('/').map(uriEncode).join('/')}`;
  const query: Record<string, string> = {
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD',
    'X-Amz-Credential': `${options.credentials.accessKeyId}/${scope}`,
    'X-Amz-Date': amzDate,
    'X-Amz-Expires': String(options.expiresInSec),
    'X-Amz-SignedHeaders': 'host',
    'x-id': 'GetObject',
  };
  const signature = sigV4QuerySignature({ method: 'GET', host: url.host, path, query, region: options.region, secretAccessKey: options.credentials.secretAccessKey });
  return `${url.protocol}//${url.host}${path}?${canonicalQuery({ ...query, 'X-Amz-Signature': signature })}`;
}

/** The SigV4 signature of a query-signed request whose only signed header is `host`. */
export function sigV4QuerySignature(request: {
  method: string;
  host: string;
  path: string;
  query: Record<string, string>;
  region: string;
  secretAccessKey: string;
}): string {
  const amzDate = request.query['X-Amz-Date']!;
  const date = amzDate.slice(0, 8);
  const scope = `${date}/${request.region}/s3/aws4_request`;
  const canonicalRequest = [request.method, request.path, canonicalQuery(request.query), `host:${request.host}`, '', 'host', 'UNSIGNED-PAYLOAD'].join('\n');
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, createHash('sha256').update(canonicalRequest).digest('hex')].join('\n');
  let key: Buffer = Buffer.from(`AWS4${request.secretAccessKey}`);
  for (const part of [date, request.region, 's3', 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
  return createHmac('sha256', key).update(stringToSign).digest('hex');
}

function canonicalQuery(query: Record<string, string>): string {
  return Object.keys(query)
    .sort()
    .map((name) => `${uriEncode(name)}=${uriEncode(query[name]!)}`)
    .join('&');
}

/** RFC 3986 encoding, as SigV4 requires (encodeURIComponent leaves !'()* alone). */
function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`);
}
