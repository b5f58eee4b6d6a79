import { describe, expect, it } from 'vitest';
import { CloudError, ExitCode, UsageError } from '../errors.js';
import { cloudErrorFor, isResourceNotFound } from './aws-failures.js';

const context = { operation: 'DescribeThing', endpoint: 'http://127.0.0.9:4566' };
const sdkError = (name: string, status: number, message = 'nope') =>
  Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode: status } });

describe('cloudErrorFor', () => {
  it('tells the user how to configure credentials when the chain finds none', () => {
    const error = Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' });
    const mapped = cloudErrorFor(error, context)!;
    expect(mapped).toBeInstanceOf(CloudError);
    expect(mapped.exitCode).toBe(ExitCode.cloud);
    expect(mapped.hint).toContain('AWS_PROFILE');
    expect(mapped.hint).toContain('iotmigrate sandbox env');
  });

  it('names the endpoint it could not reach', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(cloudErrorFor(refused, context)!.message).toBe('cannot reach AWS IoT at http://127.0.0.9:4566 (ECONNREFUSED in DescribeThing)');
    expect(cloudErrorFor(Object.assign(new Error('t'), { name: 'TimeoutError' }), context)!.message).toContain('TimeoutError');
  });

  it('names the action to allow when access is denied', () => {
    const mapped = cloudErrorFor(sdkError('AccessDeniedException', 403, 'not authorized'), context)!;
    expect(mapped.message).toBe('AWS refused DescribeThing (AccessDeniedException): not authorized');
    expect(mapped.hint).toContain('iot:DescribeThing');
  });

  it('reports other AWS errors as cloud errors, and leaves bugs and our own errors alone', () => {
    expect(cloudErrorFor(sdkError('InternalFailureException', 500), context)).toBeInstanceOf(CloudError);
    expect(cloudErrorFor(new TypeError('x is undefined'), context)).toBeUndefined();
    const usage = new UsageError('bad');
    expect(cloudErrorFor(usage, context)).toBe(usage);
  });
});

describe('isResourceNotFound', () => {
  it('recognises the SDK’s not-found error by name', () => {
    expect(isResourceNotFound(sdkError('ResourceNotFoundException', 404))).toBe(true);
    expect(isResourceNotFound(sdkError('InvalidRequestException', 400))).toBe(false);
    expect(isResourceNotFound(undefined)).toBe(false);
  });
});
