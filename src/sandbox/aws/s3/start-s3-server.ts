import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { pipeline } from 'node:stream/promises';
import type { FaultInjector } from '../../faults.js';
import { listenOrExplain } from '../../listen.js';
import { readRequestBody } from '../../read-request-body.js';
import { decodeAwsChunked, MalformedChunksError } from './aws-chunked.js';
import { parseByteRange } from './byte-range.js';
import { applyDownloadFault, drawDownloadFault } from './download-faults.js';
import { listObjectsPage } from './list-objects.js';
import type { JobObjects } from '../jobs/job-runner.js';
import type { ObjectStore, StoredObject } from './object-store.js';
import { presignS3GetUrl } from './presign-s3-url.js';
import { escapeXml, invalidArgument, noSuchBucket, noSuchKey, S3Error, sendS3Error } from './s3-error.js';
import { isPresignedRequest, s3RequestRefusal } from './s3-request-auth.js';
import { uploadChecksums } from './upload-checksums.js';

export interface S3ServerOptions {
  objects: ObjectStore;
  host: string;
  /** 0 picks a free port. */
  port: number;
  region: string;
  /** The credentials presigned URLs are signed with (the sandbox's). */
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** Epoch milliseconds; presigned URLs expire by this clock. */
  nowMs?: () => number;
  /** Serve HTTPS with this certificate (as real S3 and its presigned URLs are); plain HTTP without. */
  tls?: { certificatePem: string; privateKeyPem: string };
  /**
   * `download-drop` and `bundle-corrupt` strike presigned GETs only: what devices fetch,
   * never the signed requests apply makes to upload and check a bundle.
   */
  faults?: FaultInjector;
}

/** What the Jobs service needs of S3 (documentSource objects, presigned bundle URLs) comes with it. */
export interface S3Server extends JobObjects {
  url: string;
  port: number;
  objects: ObjectStore;
  close(): Promise<void>;
}

// Firmware bundles are megabytes; S3's own single-PUT ceiling (5 GB) is no use to a sandbox that buffers uploads.
const MAX_OBJECT_BYTES = 512 * 1024 * 1024;
const MAX_LIST_KEYS = 1000;
const XML_HEADER = '<?xml version="1.0" encoding="UTF-8"?>\n';
const S3_NAMESPACE = 'http://s3.amazonaws.com/doc/2006-03-01/';
// AWS's rule for new bucket names.
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * The S3 subset OTA needs, path-style on its own port, as `@aws-sdk/client-s3` reaches it
 * with `forcePathStyle: true`: CreateBucket, HeadBucket, ListBuckets, ListObjectsV2,
 * PutObject (aws-chunked streamed uploads included), GetObject (with Range), HeadObject,
 * and presigned GETs whose expiry is enforced. Errors are S3's XML errors.
 */
export async function startS3Server(options: S3ServerOptions): Promise<S3Server> {
  const { objects } = options;
  const nowMs = options.nowMs ?? Date.now;

  const serve = async (request: IncomingMessage, response: ServerResponse) => {
    const requestId = randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase();
    const method = request.method ?? 'GET';
    try {
      const url = new URL(request.url ?? '/', 'http://s3');
      const refusal = s3RequestRefusal(request.headers, url.searchParams, nowMs());
      if (refusal) throw refusal;
      const [bucketSegment = '', ...keySegments] = url.pathname.slice(1).split('/');
      const bucket = decodePathSegment(bucketSegment);
      const key = keySegments.map(decodePathSegment).join('/');
      const common = { 'x-amz-request-id': requestId, 'x-amz-id-2': requestId };
      if (bucket === '') {
        if (method !== 'GET') throw methodNotAllowed(method);
        return sendXml(response, common, listBucketsXml(objects));
      }
      if (key === '' && keySegments.length <= 1) {
        switch (method) {
          case 'PUT':
            request.resume();
            return await createBucket(bucket, response, common);
          case 'HEAD':
            bucketOrThrow(bucket);
            response.writeHead(200, { ...common, 'x-amz-bucket-region': options.region });
            return response.end();
          case 'GET':
            bucketOrThrow(bucket);
            if (url.searchParams.get('list-type') !== '2') throw new S3Error('NotImplemented', 501, 'Only ListObjectsV2 (list-type=2) is implemented by the iotmigrate sandbox');
            return sendXml(response, common, listObjectsXml(bucket, url.searchParams));
          default:
            throw methodNotAllowed(method);
        }
      }
      switch (method) {
        case 'PUT':
          return await putObject(bucket, key, request, response, common);
        case 'GET':
        case 'HEAD':
          return await getObject(bucket, key, request, response, common, method === 'HEAD', isPresignedRequest(url.searchParams));
        default:
          throw methodNotAllowed(method);
      }
    } catch (error) {
      const s3Error = error instanceof S3Error ? error : new S3Error('InternalError', 500, `The sandbox failed: ${(error as Error).message ?? String(error)}`);
      if (!response.headersSent) sendS3Error(response, s3Error, requestId, method === 'HEAD');
      else response.destroy();
      // An error answered before the body was read must not leave the upload hanging.
      request.resume();
    }
  };

  const bucketOrThrow = (bucket: string) => {
    if (!objects.hasBucket(bucket)) throw noSuchBucket(bucket);
  };

  const createBucket = async (bucket: string, response: ServerResponse, common: Record<string, string>) => {
    if (!BUCKET_NAME.test(bucket) || bucket.includes('..')) throw new S3Error('InvalidBucketName', 400, 'The specified bucket is not valid.', { BucketName: bucket });
    if (objects.hasBucket(bucket)) {
      // Only us-east-1 answers 200 to re-creating a bucket one owns, for legacy compatibility.
      if (options.region !== 'us-east-1') {
        throw new S3Error('BucketAlreadyOwnedByYou', 409, 'Your previous request to create the named bucket succeeded and you already own it.', { BucketName: bucket });
      }
    } else {
      await objects.createBucket(bucket, nowMs());
    }
    response.writeHead(200, { ...common, location: `/${bucket}`, 'content-length': 0 });
    response.end();
  };

  const putObject = async (bucket: string, key: string, request: IncomingMessage, response: ServerResponse, common: Record<string, string>) => {
    bucketOrThrow(bucket);
    if (request.headers['x-amz-copy-source']) throw new S3Error('NotImplemented', 501, 'CopyObject is not implemented by the iotmigrate sandbox');
    if (Buffer.byteLength(key) > 1024) throw new S3Error('KeyTooLongError', 400, 'Your key is too long');
    const body = await readRequestBody(request, MAX_OBJECT_BYTES, () => new S3Error('EntityTooLarge', 400, 'Your proposed upload exceeds the maximum allowed size'));
    const { data, trailers } = decodeBody(request, body);
    const checksums = uploadChecksums(data, request.headers, trailers);
    const userMetadata: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (name.startsWith('x-amz-meta-') && typeof value === 'string') userMetadata[name.slice('x-amz-meta-'.length)] = value;
    }
    const stored = await objects.putObject(
      bucket,
      { key, lastModified: nowMs(), contentType: request.headers['content-type'] ?? 'binary/octet-stream', userMetadata, checksums },
      data,
    );
    response.writeHead(200, { ...common, etag: `"${stored.md5}"`, ...checksumHeaders(stored), 'content-length': 0 });
    response.end();
  };

  const getObject = async (
    bucket: string,
    key: string,
    request: IncomingMessage,
    response: ServerResponse,
    common: Record<string, string>,
    headOnly: boolean,
    presigned: boolean,
  ) => {
    bucketOrThrow(bucket);
    const object = objects.getObject(bucket, key);
    if (!object) throw noSuchKey(key);
    const headers: Record<string, string | number> = {
      ...common,
      etag: `"${object.md5}"`,
      'last-modified': new Date(object.lastModified).toUTCString(),
      'content-type': object.contentType,
      'accept-ranges': 'bytes',
      ...Object.fromEntries(Object.entries(object.userMetadata).map(([name, value]) => [`x-amz-meta-${name}`, value])),
    };
    const range = parseByteRange(request.headers.range, object.size);
    if (range.kind === 'unsatisfiable') {
      throw new S3Error('InvalidRange', 416, 'The requested range is not satisfiable', { RangeRequested: request.headers.range ?? '', ActualObjectSize: String(object.size) });
    }
    if (range.kind === 'whole') {
      // Checksums describe the whole object, so S3 returns them only for a whole GET that asks.
      const checksums = request.headers['x-amz-checksum-mode'] === 'ENABLED' ? checksumHeaders(object) : {};
      response.writeHead(200, { ...headers, ...checksums, 'content-length': object.size });
    } else {
      response.writeHead(206, { ...headers, 'content-length': range.end - range.start + 1, 'content-range': `bytes ${range.start}-${range.end}/${object.size}` });
    }
    if (headOnly || object.size === 0) return response.end();
    const body = objects.readObject(bucket, key, range.kind === 'partial' ? range : undefined);
    const fault = presigned && options.faults ? drawDownloadFault(options.faults, range.kind === 'partial' ? range.end - range.start + 1 : object.size) : undefined;
    if (!fault) return await pipeline(body, response);
    await pipeline(body, applyDownloadFault(fault), response);
    // The response 'finish'ed short of its Content-Length; dropping the connection now is the cut the client sees.
    if (fault.dropAfter !== undefined) response.socket?.destroy();
  };

  const listObjectsXml = (bucket: string, query: URLSearchParams) => {
    const maxKeysText = query.get('max-keys');
    const maxKeys = maxKeysText === null ? MAX_LIST_KEYS : Number(maxKeysText);
    if (!Number.isInteger(maxKeys) || maxKeys < 0) throw invalidArgument('Provided max-keys not an integer or within integer range');
    const prefix = query.get('prefix') ?? '';
    const delimiter = query.get('delimiter') || undefined;
    const startAfter = query.get('start-after') || undefined;
    const continuationToken = query.get('continuation-token') || undefined;
    const urlEncoded = query.get('encoding-type') === 'url';
    const page = listObjectsPage(objects.sortedKeys(bucket), { prefix, delimiter, maxKeys: Math.min(maxKeys, MAX_LIST_KEYS), startAfter, continuationToken });
    const text = (value: string) => escapeXml(urlEncoded ? encodeURIComponent(value).replace(/%2F/g, '/') : value);
    const contents = page.keys.map((key) => {
      const object = objects.getObject(bucket, key)!;
      return `<Contents><Key>${text(key)}</Key><LastModified>${new Date(object.lastModified).toISOString()}</LastModified><ETag>&quot;${object.md5}&quot;</ETag><Size>${object.size}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
    });
    const prefixes = page.commonPrefixes.map((common) => `<CommonPrefixes><Prefix>${text(common)}</Prefix></CommonPrefixes>`);
    return (
      `<ListBucketResult xmlns="${S3_NAMESPACE}"><Name>${escapeXml(bucket)}</Name><Prefix>${text(prefix)}</Prefix>` +
      (delimiter ? `<Delimiter>${text(delimiter)}</Delimiter>` : '') +
      `<MaxKeys>${maxKeys}</MaxKeys><KeyCount>${page.keys.length + page.commonPrefixes.length}</KeyCount>` +
      `<IsTruncated>${page.nextContinuationToken !== undefined}</IsTruncated>` +
      (continuationToken ? `<ContinuationToken>${escapeXml(continuationToken)}</ContinuationToken>` : '') +
      (page.nextContinuationToken ? `<NextContinuationToken>${page.nextContinuationToken}</NextContinuationToken>` : '') +
      (startAfter ? `<StartAfter>${text(startAfter)}</StartAfter>` : '') +
      (urlEncoded ? '<EncodingType>url</EncodingType>' : '') +
      `${contents.join('')}${prefixes.join('')}</ListBucketResult>`
    );
  };

  const handler = (request: IncomingMessage, response: ServerResponse) => void serve(request, response);
  const server = options.tls ? createTlsServer({ cert: options.tls.certificatePem, key: options.tls.privateKeyPem }, handler) : createServer(handler);
  const port = await listenOrExplain(server, options.host, options.port, 'S3 API');
  const url = `${options.tls ? 'https' : 'http'}://${options.host}:${port}`;

  let closed: Promise<void> | undefined;
  return {
    url,
    port,
    objects,
    readObject: async (bucket, key) => (objects.getObject(bucket, key) ? objects.readObjectFully(bucket, key) : undefined),
    presignGetUrl: (bucket, key, expiresInSec) =>
      presignS3GetUrl({ endpoint: url, region: options.region, credentials: options.credentials, bucket, key, expiresInSec, signedAt: new Date(nowMs()) }),
    close() {
      closed ??= new Promise<void>((resolveClose) => {
        server.close(() => resolveClose());
        // SDKs and OTA agents keep connections alive; close() must not wait for them to idle out.
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

/** The upload's bytes: aws-chunked framing (a streamed body from the SDKs) decoded, anything else as sent. */
function decodeBody(request: IncomingMessage, body: Buffer): { data: Buffer; trailers: Record<string, string> } {
  const encoding = request.headers['content-encoding'] ?? '';
  const streaming = String(request.headers['x-amz-content-sha256'] ?? '').startsWith('STREAMING-');
  if (!streaming && !encoding.split(',').some((part) => part.trim() === 'aws-chunked')) return { data: body, trailers: {} };
  let decoded;
  try {
    decoded = decodeAwsChunked(body);
  } catch (error) {
    if (error instanceof MalformedChunksError) throw new S3Error('IncompleteBody', 400, error.message);
    throw error;
  }
  const declared = request.headers['x-amz-decoded-content-length'];
  if (declared !== undefined && Number(declared) !== decoded.data.length) {
    throw new S3Error('IncompleteBody', 400, 'You did not provide the number of bytes specified by the x-amz-decoded-content-length header');
  }
  return decoded;
}

function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new S3Error('InvalidURI', 400, "Couldn't parse the specified URI.");
  }
}

function checksumHeaders(object: StoredObject): Record<string, string> {
  return Object.fromEntries(Object.entries(object.checksums).map(([algorithm, value]) => [`x-amz-checksum-${algorithm}`, value]));
}

function listBucketsXml(objects: ObjectStore): string {
  const buckets = objects
    .listBuckets()
    .map((bucket) => `<Bucket><Name>${escapeXml(bucket.name)}</Name><CreationDate>${new Date(bucket.creationDate).toISOString()}</CreationDate></Bucket>`)
    .join('');
  return `<ListAllMyBucketsResult xmlns="${S3_NAMESPACE}"><Owner><ID>sandbox</ID></Owner><Buckets>${buckets}</Buckets></ListAllMyBucketsResult>`;
}

function sendXml(response: ServerResponse, headers: Record<string, string>, xml: string): void {
  const body = XML_HEADER + xml;
  response.writeHead(200, { ...headers, 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

function methodNotAllowed(method: string): S3Error {
  return new S3Error('MethodNotAllowed', 405, `The specified method is not allowed against this resource: ${method}`);
}
