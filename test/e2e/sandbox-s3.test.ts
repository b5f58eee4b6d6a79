import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpGet } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  paginateListObjectsV2,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ObjectStore } from '../../src/sandbox/aws/s3/object-store.js';
import { startS3Server, type S3Server } from '../../src/sandbox/aws/s3/start-s3-server.js';
import { uniqueLoopbackHost } from '../support/loopback.js';

/** The sandbox S3 driven by the real, unmodified `@aws-sdk/client-s3` (default checksum settings). */
const credentials = { accessKeyId: 'AKIASANDBOX000000000', secretAccessKey: 'sandbox-secret-access-key' };
let work: string;
let server: S3Server;
let s3: S3Client;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'iotmigrate-s3-'));
  server = await startS3Server({ objects: await ObjectStore.open(join(work, 's3')), host: uniqueLoopbackHost(), port: 0, region: 'us-east-1', credentials });
  s3 = new S3Client({ region: 'us-east-1', endpoint: server.url, forcePathStyle: true, credentials });
  await s3.send(new CreateBucketCommand({ Bucket: 'ota-bundles' }));
});

afterAll(async () => {
  s3?.destroy();
  await server?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

/** A plain HTTP GET, as an OTA agent fetches a presigned URL. */
function fetchUrl(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    httpGet(url, { headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body: Buffer.concat(chunks) }));
    })
      .on('error', reject)
      .end();
  });
}

const bundle = Buffer.from(Array.from({ length: 200_000 }, (_, index) => (index * 31) % 251));

describe('sandbox S3 with @aws-sdk/client-s3', () => {
  it('round-trips a Buffer upload with metadata, and HeadObject describes it', async () => {
    const put = await s3.send(new PutObjectCommand({ Bucket: 'ota-bundles', Key: 'fw/2.0.0/bundle.tar', Body: bundle, ContentType: 'application/x-tar', Metadata: { version: '2.0.0' } }));
    expect(put.ETag).toMatch(/^"[0-9a-f]{32}"$/);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'ota-bundles', Key: 'fw/2.0.0/bundle.tar' }));
    expect(Buffer.from(await got.Body!.transformToByteArray())).toEqual(bundle);
    expect(got).toMatchObject({ ContentType: 'application/x-tar', ContentLength: bundle.length, ETag: put.ETag, Metadata: { version: '2.0.0' } });
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'ota-bundles', Key: 'fw/2.0.0/bundle.tar' }));
    expect(head).toMatchObject({ ContentLength: bundle.length, ETag: put.ETag });
  });

  it('stores a streamed upload without its aws-chunked framing', async () => {
    const parts = [bundle.subarray(0, 70_000), bundle.subarray(70_000)];
    await s3.send(new PutObjectCommand({ Bucket: 'ota-bundles', Key: 'streamed.bin', Body: Readable.from(parts), ContentLength: bundle.length }));
    const got = await s3.send(new GetObjectCommand({ Bucket: 'ota-bundles', Key: 'streamed.bin' }));
    expect(Buffer.from(await got.Body!.transformToByteArray())).toEqual(bundle);
    // The trailing CRC32 was checked on upload and comes back for the SDK to validate.
    expect(got.ChecksumCRC32).toMatch(/^[A-Za-z0-9+/]{6}==$/);
  });

  it('serves byte ranges, so a download can resume', async () => {
    const tail = await s3.send(new GetObjectCommand({ Bucket: 'ota-bundles', Key: 'fw/2.0.0/bundle.tar', Range: 'bytes=150000-' }));
    expect(tail.ContentRange).toBe(`bytes 150000-${bundle.length - 1}/${bundle.length}`);
    expect(Buffer.from(await tail.Body!.transformToByteArray())).toEqual(bundle.subarray(150_000));
    const beyond = await s3.send(new GetObjectCommand({ Bucket: 'ota-bundles', Key: 'fw/2.0.0/bundle.tar', Range: `bytes=${bundle.length}-` })).catch((error: Error) => error);
    expect(beyond).toMatchObject({ name: 'InvalidRange', $metadata: { httpStatusCode: 416 } });
  });

  it('lists with prefix, delimiter and pagination', async () => {
    for (const key of ['fw/1.0.0/bundle.tar', 'fw/1.0.0/bundle.sig', 'notes.txt']) await s3.send(new PutObjectCommand({ Bucket: 'ota-bundles', Key: key, Body: key }));
    const top = await s3.send(new ListObjectsV2Command({ Bucket: 'ota-bundles', Delimiter: '/' }));
    expect(top.Contents?.map((object) => object.Key)).toEqual(['notes.txt', 'streamed.bin']);
    expect(top.CommonPrefixes?.map((prefix) => prefix.Prefix)).toEqual(['fw/']);
    const keys: string[] = [];
    for await (const page of paginateListObjectsV2({ client: s3, pageSize: 2 }, { Bucket: 'ota-bundles', Prefix: 'fw/' })) {
      expect(page.KeyCount).toBeLessThanOrEqual(2);
      keys.push(...(page.Contents ?? []).map((object) => object.Key!));
    }
    expect(keys).toEqual(['fw/1.0.0/bundle.sig', 'fw/1.0.0/bundle.tar', 'fw/2.0.0/bundle.tar']);
    const listed = top.Contents?.find((object) => object.Key === 'notes.txt');
    expect(listed).toMatchObject({ Size: 'notes.txt'.length, StorageClass: 'STANDARD' });
  });

  it('answers with S3 error names', async () => {
    const missingKey = await s3.send(new GetObjectCommand({ Bucket: 'ota-bundles', Key: 'nope' })).catch((error: Error) => error);
    expect(missingKey).toMatchObject({ name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } });
    const missingBucket = await s3.send(new PutObjectCommand({ Bucket: 'no-such-bucket', Key: 'k', Body: 'x' })).catch((error: Error) => error);
    expect(missingBucket).toMatchObject({ name: 'NoSuchBucket' });
    const badName = await s3.send(new CreateBucketCommand({ Bucket: 'ab' })).catch((error: Error) => error);
    expect(badName).toMatchObject({ name: 'InvalidBucketName' });
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'ota-bundles', Key: 'nope' })).catch((error: Error) => error);
    expect(head).toMatchObject({ name: 'NotFound', $metadata: { httpStatusCode: 404 } });
    expect((await fetchUrl(`${server.url}/ota-bundles/notes.txt`)).status).toBe(403);
  });

  it('serves presigned GETs over plain HTTP, ranges included, until they expire', async () => {
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'ota-bundles', Key: 'fw/2.0.0/bundle.tar' }), { expiresIn: 300 });
    const whole = await fetchUrl(url);
    expect(whole.status).toBe(200);
    expect(whole.body).toEqual(bundle);
    const resumed = await fetchUrl(url, { range: 'bytes=100-199' });
    expect(resumed.status).toBe(206);
    expect(resumed.body).toEqual(bundle.subarray(100, 200));

    const stale = await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'ota-bundles', Key: 'fw/2.0.0/bundle.tar' }), {
      expiresIn: 60,
      signingDate: new Date(Date.now() - 61_000),
    });
    const expired = await fetchUrl(stale);
    expect(expired.status).toBe(403);
    expect(expired.body.toString()).toContain('<Code>AccessDenied</Code><Message>Request has expired</Message>');

    const ours = await fetchUrl(server.presignGetUrl('ota-bundles', 'notes.txt', 60));
    expect(ours.body.toString()).toBe('notes.txt');
  });

  it('keeps buckets and objects on disk across a restart', async () => {
    const reopened = await startS3Server({ objects: await ObjectStore.open(join(work, 's3')), host: uniqueLoopbackHost(), port: 0, region: 'us-east-1', credentials });
    try {
      const client = new S3Client({ region: 'us-east-1', endpoint: reopened.url, forcePathStyle: true, credentials });
      const got = await client.send(new GetObjectCommand({ Bucket: 'ota-bundles', Key: 'streamed.bin' }));
      expect(Buffer.from(await got.Body!.transformToByteArray())).toEqual(bundle);
      // Re-creating one's own bucket is a no-op in us-east-1.
      await client.send(new CreateBucketCommand({ Bucket: 'ota-bundles' }));
      client.destroy();
    } finally {
      await reopened.close();
    }
  });
});
