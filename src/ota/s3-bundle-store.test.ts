import type { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { CloudError } from '../errors.js';
import { s3BundleStore } from './s3-bundle-store.js';

/** A client whose every call answers with the next of `answers` (an Error is thrown). */
function clientAnswering(...answers: unknown[]): S3Client & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async send(command: { constructor: { name: string } }) {
      calls.push(command.constructor.name);
      const answer = answers.shift();
      if (answer instanceof Error) throw answer;
      return answer;
    },
    destroy() {},
  } as unknown as S3Client & { calls: string[] };
}

function s3Error(name: string, status?: number, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`${name} happened`), { name, ...(status ? { $metadata: { httpStatusCode: status } } : {}), ...extra });
}

describe('s3BundleStore', () => {
  it('reads the sha256 metadata, and a 404 as no object', async () => {
    expect(await s3BundleStore(clientAnswering({ Metadata: { sha256: 'ab' } }), 'us-east-1').objectSha256('b', 'k')).toBe('ab');
    expect(await s3BundleStore(clientAnswering({ Metadata: {} }), 'us-east-1').objectSha256('b', 'k')).toBeNull();
    expect(await s3BundleStore(clientAnswering(s3Error('NotFound', 404)), 'us-east-1').objectSha256('b', 'k')).toBeUndefined();
  });

  it('creates a missing bucket, and takes one already owned as there', async () => {
    const missing = clientAnswering(s3Error('NotFound', 404), {});
    expect(await s3BundleStore(missing, 'eu-west-1').ensureBucket('b')).toBe(true);
    expect(missing.calls).toEqual(['HeadBucketCommand', 'CreateBucketCommand']);
    expect(await s3BundleStore(clientAnswering({}), 'eu-west-1').ensureBucket('b')).toBe(false);
    expect(await s3BundleStore(clientAnswering(s3Error('NotFound', 404), s3Error('BucketAlreadyOwnedByYou', 409)), 'eu-west-1').ensureBucket('b')).toBe(false);
  });

  it.each([
    [s3Error('CredentialsProviderError'), 'no AWS credentials for S3'],
    [s3Error('InvalidAccessKeyId', 403), 'S3 refused the AWS credentials'],
    [s3Error('AccessDenied', 403), 'S3 denied PutObject s3://b/k: access denied'],
    [s3Error('NoSuchBucket', 404), 'the bucket b does not exist'],
    [s3Error('Error', undefined, { code: 'ECONNREFUSED' }), 'cannot reach S3 for PutObject s3://b/k (ECONNREFUSED)'],
    [s3Error('InternalError', 500), 'S3 failed PutObject s3://b/k (InternalError, HTTP 500)'],
  ])('turns %s into a CloudError that says what to do', async (error, message) => {
    const put = s3BundleStore(clientAnswering(error), 'us-east-1').putBundle('b', 'k', Buffer.from('x'), 'ab');
    await expect(put).rejects.toBeInstanceOf(CloudError);
    await expect(s3BundleStore(clientAnswering(error), 'us-east-1').putBundle('b', 'k', Buffer.from('x'), 'ab')).rejects.toThrow(message);
  });

  it('says when the bucket name belongs to someone else, and lets a bug through as it is', async () => {
    await expect(s3BundleStore(clientAnswering(s3Error('NotFound', 404), s3Error('BucketAlreadyExists', 409)), 'us-east-1').ensureBucket('b')).rejects.toThrow(
      'the bucket name b is taken by another AWS account',
    );
    const bug = new TypeError('undefined is not a function');
    await expect(s3BundleStore(clientAnswering(bug), 'us-east-1').putBundle('b', 'k', Buffer.from('x'), 'ab')).rejects.toBe(bug);
  });
});
