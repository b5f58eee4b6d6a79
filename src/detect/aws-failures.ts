import { CloudError, isIotMigrateError, type IotMigrateError } from '../errors.js';

/**
 * Turns what the AWS SDK throws into the errors a user can act on (exit 3 with a next
 * step). Returns undefined for anything that is not an AWS or network failure: that is
 * a bug and goes to the top-level handler with its stack.
 */
export interface FailureContext {
  /** The API operation that failed, when known (e.g. "DescribeThing"). */
  operation: string | undefined;
  /** The endpoint the failed call went to. */
  endpoint: string;
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);
const ACCESS_DENIED_NAMES = new Set([
  'AccessDeniedException',
  'UnauthorizedException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
]);

interface ErrorShape {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: number };
}

export function isResourceNotFound(error: unknown): boolean {
  return (error as ErrorShape | undefined)?.name === 'ResourceNotFoundException';
}

export function cloudErrorFor(error: unknown, context: FailureContext): IotMigrateError | undefined {
  if (isIotMigrateError(error)) return error;
  if (typeof error !== 'object' || error === null) return undefined;
  const shape = error as ErrorShape;
  const name = String(shape.name);
  const code = typeof shape.code === 'string' ? shape.code : undefined;
  const message = typeof shape.message === 'string' ? shape.message : String(error);
  const status = shape.$metadata?.httpStatusCode;
  const operation = context.operation ?? 'the call';

  if (name === 'CredentialsProviderError' || name === 'TokenProviderError') {
    return new CloudError(`no AWS credentials found: ${message}`, {
      hint: 'configure AWS credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID…) or, for the sandbox, eval "$(iotmigrate sandbox env)"',
      cause: error,
    });
  }
  if ((code && CONNECTION_CODES.has(code)) || name === 'TimeoutError') {
    return new CloudError(`cannot reach AWS IoT at ${context.endpoint} (${code ?? name} in ${operation})`, {
      hint: 'check the network and any AWS_ENDPOINT_URL_IOT* override; for the sandbox, is `iotmigrate sandbox up` running?',
      cause: error,
    });
  }
  if (ACCESS_DENIED_NAMES.has(name) || status === 401 || status === 403) {
    return new CloudError(`AWS refused ${operation} (${name}): ${message}`, {
      hint: `allow iot:${context.operation ?? '*'} for these credentials; detect needs the read-only iot:List*, iot:Describe* and iot:Get* actions`,
      cause: error,
    });
  }
  if (shape.$fault !== undefined || status !== undefined) {
    return new CloudError(`AWS IoT failed ${operation} at ${context.endpoint} (${name}${status ? `, HTTP ${status}` : ''}): ${message}`, {
      hint: 'run detect again: it resumes from its checkpoint',
      cause: error,
    });
  }
  return undefined;
}
