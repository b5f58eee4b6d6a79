import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { S3Error } from './s3-error.js';

/** Checksums S3 computes itself, to check what an uploader claims (base64 of the big-endian digest). */
const COMPUTABLE: Record<string, (data: Buffer) => string> = {
  crc32: (data) => {
    const digest = Buffer.alloc(4);
    digest.writeUInt32BE(crc32(data));
    return digest.toString('base64');
  },
  sha1: (data) => createHash('sha1').update(data).digest('base64'),
  sha256: (data) => createHash('sha256').update(data).digest('base64'),
};

const CHECKSUM_PREFIX = 'x-amz-checksum-';

/**
 * The checksums an upload carries, in `x-amz-checksum-<algorithm>` headers or aws-chunked
 * trailers, plus Content-MD5. Those S3 can compute here are verified, and a mismatch is
 * the error S3 answers with; the rest (crc32c, crc64nvme) are kept as sent.
 */
export function uploadChecksums(data: Buffer, headers: Record<string, string | string[] | undefined>, trailers: Record<string, string>): Record<string, string> {
  const contentMd5 = headers['content-md5'];
  if (typeof contentMd5 === 'string' && createHash('md5').update(data).digest('base64') !== contentMd5) {
    throw new S3Error('BadDigest', 400, 'The Content-MD5 you specified did not match what we received.');
  }
  const checksums: Record<string, string> = {};
  for (const [name, value] of [...Object.entries(headers), ...Object.entries(trailers)]) {
    if (!name.startsWith(CHECKSUM_PREFIX) || typeof value !== 'string' || name === 'x-amz-checksum-type' || name === 'x-amz-checksum-algorithm') continue;
    const algorithm = name.slice(CHECKSUM_PREFIX.length);
    const compute = COMPUTABLE[algorithm];
    if (compute && compute(data) !== value) {
      throw new S3Error('BadDigest', 400, `The ${algorithm.toUpperCase()} you specified did not match the calculated checksum.`);
    }
    checksums[algorithm] = value;
  }
  return checksums;
}
