import { describe, expect, it } from 'vitest';
import { presignedUrlPlaceholders, s3LocationOf, substitutePresignedUrls } from './job-document.js';

describe('job documents', () => {
  it('reads bucket and key from path-style and virtual-hosted S3 URLs', () => {
    expect(s3LocationOf('https://s3.amazonaws.com/ota/fw/2.0.0/bundle.tar')).toEqual({ bucket: 'ota', key: 'fw/2.0.0/bundle.tar' });
    expect(s3LocationOf('https://s3.eu-west-1.amazonaws.com/ota/a%20b.bin')).toEqual({ bucket: 'ota', key: 'a b.bin' });
    expect(s3LocationOf('https://ota.s3.us-east-1.amazonaws.com/fw/x.bin')).toEqual({ bucket: 'ota', key: 'fw/x.bin' });
    expect(s3LocationOf('https://ota.s3.amazonaws.com/x.bin')).toEqual({ bucket: 'ota', key: 'x.bin' });
    for (const url of ['http://s3.amazonaws.com/ota/x', 'https://example.com/ota/x', 'https://s3.amazonaws.com/ota', 'not a url']) {
      expect(s3LocationOf(url), url).toBeUndefined();
    }
  });

  it('replaces each presigned-URL placeholder and leaves the rest of the document alone', () => {
    const document = JSON.stringify({
      operation: 'migrate',
      bundle: '${aws:iot:s3-presigned-url:https://s3.amazonaws.com/ota/fw/bundle.tar}',
      signature: '${aws:iot:s3-presigned-url:https://ota.s3.amazonaws.com/fw/bundle.sig}',
      other: '${aws:iot:other}',
    });
    expect(presignedUrlPlaceholders(document)).toEqual(['https://s3.amazonaws.com/ota/fw/bundle.tar', 'https://ota.s3.amazonaws.com/fw/bundle.sig']);
    const substituted = JSON.parse(substitutePresignedUrls(document, ({ bucket, key }) => `http://127.0.0.1:4567/${bucket}/${key}?X-Amz-Signature=s&x=1`));
    expect(substituted).toEqual({
      operation: 'migrate',
      bundle: 'http://127.0.0.1:4567/ota/fw/bundle.tar?X-Amz-Signature=s&x=1',
      signature: 'http://127.0.0.1:4567/ota/fw/bundle.sig?X-Amz-Signature=s&x=1',
      other: '${aws:iot:other}',
    });
  });
});
