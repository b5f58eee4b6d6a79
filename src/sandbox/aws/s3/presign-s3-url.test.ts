import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { describe, expect, it } from 'vitest';
import { presignS3GetUrl } from './presign-s3-url.js';

describe('presigned S3 URLs', () => {
  it('are the URLs @aws-sdk/s3-request-presigner makes, signature included', async () => {
    const credentials = { accessKeyId: 'AKIASANDBOX000000000', secretAccessKey: 'sandbox-secret-access-key' };
    const endpoint = 'http://127.0.0.5:4567';
    const signedAt = new Date('2026-11-23T10:20:30Z');
    // With checksums only when required the SDK signs no x-amz-checksum-* parameters, which a device's plain GET has no use for.
    const client = new S3Client({
      region: 'eu-west-1',
      endpoint,
      forcePathStyle: true,
      credentials,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    const key = 'firmware/v2.0.0/bundle (signed)+1.tar.gz';
    const expected = await getSignedUrl(client, new GetObjectCommand({ Bucket: 'ota-bundles', Key: key }), { expiresIn: 900, signingDate: signedAt });
    client.destroy();
    const ours = presignS3GetUrl({ endpoint, region: 'eu-west-1', credentials, bucket: 'ota-bundles', key, expiresInSec: 900, signedAt });
    const sorted = (url: string) => {
      const parsed = new URL(url);
      return { path: parsed.pathname, query: Object.fromEntries([...parsed.searchParams].sort()) };
    };
    expect(sorted(ours)).toEqual(sorted(expected));
  });
});
