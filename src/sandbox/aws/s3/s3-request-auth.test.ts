import { describe, expect, it } from 'vitest';
import { s3RequestRefusal } from './s3-request-auth.js';

const presigned = (date: string, expires: string) =>
  new URLSearchParams({
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Credential': 'AKIA/20261123/us-east-1/s3/aws4_request',
    'X-Amz-Date': date,
    'X-Amz-Expires': expires,
    'X-Amz-SignedHeaders': 'host',
    'X-Amz-Signature': 'abc',
  });
const at = (iso: string) => Date.parse(iso);

describe('S3 request authentication', () => {
  it('lets signed requests and live presigned URLs through', () => {
    expect(s3RequestRefusal({ authorization: 'AWS4-HMAC-SHA256 Credential=…' }, new URLSearchParams(), 0)).toBeUndefined();
    expect(s3RequestRefusal({}, presigned('20261123T100000Z', '60'), at('2026-11-23T10:01:00Z'))).toBeUndefined();
  });

  it('refuses anonymous requests, expired URLs and bad parameters as S3 does', () => {
    expect(s3RequestRefusal({}, new URLSearchParams(), 0)).toMatchObject({ code: 'AccessDenied', status: 403, message: 'Access Denied' });
    expect(s3RequestRefusal({}, presigned('20261123T100000Z', '60'), at('2026-11-23T10:01:01Z'))).toMatchObject({
      code: 'AccessDenied',
      message: 'Request has expired',
      details: { Expires: '2026-11-23T10:01:00.000Z' },
    });
    expect(s3RequestRefusal({}, presigned('20261123T100000Z', '604801'), 0)).toMatchObject({ code: 'AuthorizationQueryParametersError' });
    expect(s3RequestRefusal({}, presigned('2026-11-23', '60'), 0)).toMatchObject({ status: 400 });
  });
});
