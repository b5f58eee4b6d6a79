import { describe, expect, it } from 'vitest';
import { decodeAwsChunked, MalformedChunksError } from './aws-chunked.js';

describe('aws-chunked decoding', () => {
  it('joins the chunks and reads the trailing checksum, as client-s3 frames a streamed upload', () => {
    const body = Buffer.from('5\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n');
    expect(decodeAwsChunked(body)).toEqual({ data: Buffer.from('hello world'), trailers: { 'x-amz-checksum-crc32': 'DUoRhQ==' } });
  });

  it('accepts signed chunks and binary data that contains CRLF', () => {
    const data = Buffer.from([0x0d, 0x0a, 0x00, 0xff]);
    const body = Buffer.concat([Buffer.from('4;chunk-signature=abc\r\n'), data, Buffer.from('\r\n0;chunk-signature=def\r\n\r\n')]);
    expect(decodeAwsChunked(body)).toEqual({ data, trailers: {} });
  });

  it('refuses truncated or malformed framing', () => {
    for (const text of ['5\r\nhel', 'zz\r\nhello\r\n0\r\n\r\n', '5\r\nhelloXX0\r\n\r\n', '5\r\nhello\r\n']) {
      expect(() => decodeAwsChunked(Buffer.from(text)), text).toThrow(MalformedChunksError);
    }
  });
});
