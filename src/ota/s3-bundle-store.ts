import {
  CreateBucketCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type BucketLocationConstraint,
  type S3Client,
} from '@aws-sdk/client-s3';
import { CloudError } from '../errors.js';

/**
 * Where apply puts the signed firmware bundle: the S3 calls of the upload stage, over a
 * client the caller builds (standard credential chain, AWS_ENDPOINT_URL_S3 for the
 * sandbox). Every S3 refusal comes out as a CloudError (exit 3) saying what to do.
 */
export interface BundleObjectStore {
  /** The bundle's SHA-256 recorded on the object, null when the object has none, undefined when there is no object. */
  objectSha256(bucket: string, key: string): Promise<string | null | undefined>;
  /** Creates the bucket unless it is there already; true when this call created it. */
  ensureBucket(bucket: string): Promise<boolean>;
  putBundle(bucket: string, key: string, data: Buffer, sha256: string): Promise<void>;
  /** Lets go of the client's connections. */
  close(): void;
}

/** The user metadata (x-amz-meta-sha256) that says which bundle an object holds. */
export const SHA256_METADATA = 'sha256';

export function s3BundleStore(client: S3Client, region: string): BundleObjectStore {
  return {
    async objectSha256(bucket, key) {
      try {
        const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        return head.Metadata?.[SHA256_METADATA] ?? null;
      } catch (error) {
        // A HEAD has no error body: 404 is a missing object or bucket, either way no bundle yet.
        if (statusOf(error) === 404) return undefined;
        throw s3Failure(error, `HeadObject s3://${bucket}/${key}`, bucket);
      }
    },

    async ensureBucket(bucket) {
      try {
        await client.send(new HeadBucketCommand({ Bucket: bucket }));
        return false;
      } catch (error) {
        if (statusOf(error) !== 404) throw s3Failure(error, `HeadBucket ${bucket}`, bucket);
      }
      try {
        // us-east-1 is the one region that takes no location constraint.
        const configuration = region === 'us-east-1' ? undefined : { LocationConstraint: region as BucketLocationConstraint };
        await client.send(new CreateBucketCommand({ Bucket: bucket, ...(configuration ? { CreateBucketConfiguration: configuration } : {}) }));
        return true;
      } catch (error) {
        if (nameOf(error) === 'BucketAlreadyOwnedByYou') return false;
        throw s3Failure(error, `CreateBucket ${bucket}`, bucket);
      }
    },

    async putBundle(bucket, key, data, sha256) {
      try {
        await client.send(
          new PutObjectCommand({ Bucket: bucket, Key: key, Body: data, ContentType: 'application/gzip', Metadata: { [SHA256_METADATA]: sha256 } }),
        );
      } catch (error) {
        throw s3Failure(error, `PutObject s3://${bucket}/${key}`, bucket);
      }
    },

    close() {
      client.destroy();
    },
  };
}

interface S3ErrorShape {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  $metadata?: { httpStatusCode?: number };
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);
const CREDENTIAL_REFUSALS = new Set(['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'ExpiredToken', 'TokenRefreshRequired', 'InvalidToken']);
const PERMISSIONS_HINT =
  'the credentials need s3:ListBucket, s3:CreateBucket (unless the bucket exists), s3:PutObject and s3:GetObject on the bundle bucket';

function statusOf(error: unknown): number | undefined {
  return (error as S3ErrorShape | undefined)?.$metadata?.httpStatusCode;
}

function nameOf(error: unknown): string {
  return String((error as S3ErrorShape | undefined)?.name);
}

/** What S3 or the SDK threw, as a CloudError with a next step; anything else is a bug and goes on as it is. */
function s3Failure(error: unknown, call: string, bucket: string): unknown {
  if (typeof error !== 'object' || error === null) return error;
  const shape = error as S3ErrorShape;
  const name = nameOf(error);
  const code = typeof shape.code === 'string' ? shape.code : undefined;
  const message = typeof shape.message === 'string' ? shape.message : String(error);
  const status = statusOf(error);
  const options = (hint: string) => ({ hint, cause: error });

  if (name === 'CredentialsProviderError') {
    return new CloudError(`no AWS credentials for S3: ${message}`, options('set AWS_PROFILE or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; against the sandbox, eval "$(iotmigrate sandbox env)"'));
  }
  if (CREDENTIAL_REFUSALS.has(name)) {
    return new CloudError(`S3 refused the AWS credentials in ${call} (${name})`, options('check the access key and secret (or refresh the session token) of the account the bucket is in'));
  }
  if ((code !== undefined && CONNECTION_CODES.has(code)) || name === 'TimeoutError') {
    return new CloudError(`cannot reach S3 for ${call} (${code ?? name})`, options('check the network and AWS_ENDPOINT_URL_S3; against the sandbox, is `iotmigrate sandbox up` running?'));
  }
  if (name === 'AccessDenied' || status === 403) {
    return new CloudError(`S3 denied ${call}: access denied`, options(PERMISSIONS_HINT));
  }
  if (name === 'NoSuchBucket') {
    return new CloudError(`the bucket ${bucket} does not exist (${call})`, options('run apply --stage upload again: it creates the bucket when missing'));
  }
  if (name === 'BucketAlreadyExists') {
    return new CloudError(`the bucket name ${bucket} is taken by another AWS account`, options('bucket names are global: plan again with --firmware-bucket <a name of your own>'));
  }
  if (status !== undefined) {
    return new CloudError(`S3 failed ${call} (${name}, HTTP ${status}): ${message}`, options('run apply again: the upload stage resumes'));
  }
  return error;
}
