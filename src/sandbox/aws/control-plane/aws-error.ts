import type { ServerResponse } from 'node:http';

/**
 * An error as AWS's REST-JSON services send it: the status, the error name in
 * `x-amzn-errortype` (which is what the SDK turns into `error.name`) and a JSON body
 * with `message` plus any members the error shape declares (`resourceId`, ...).
 */
export class AwsError extends Error {
  constructor(
    readonly errorType: string,
    readonly status: number,
    message: string,
    readonly members: Record<string, string> = {},
  ) {
    super(message);
    this.name = errorType;
  }
}

export const resourceNotFound = (message: string) => new AwsError('ResourceNotFoundException', 404, message);
export const invalidRequest = (message: string) => new AwsError('InvalidRequestException', 400, message);
export const invalidQuery = (message: string) => new AwsError('InvalidQueryException', 400, message);
export const resourceAlreadyExists = (message: string, resourceId: string, resourceArn: string) =>
  new AwsError('ResourceAlreadyExistsException', 409, message, { resourceId, resourceArn });
export const throttled = () => new AwsError('ThrottlingException', 429, 'Rate exceeded');
export const unauthorized = () =>
  new AwsError('UnauthorizedException', 401, 'Missing Authentication Token: sign requests with SigV4 (any credentials work in the sandbox)');

export function sendAwsError(response: ServerResponse, error: AwsError, requestId: string): void {
  const body = JSON.stringify({ message: error.message, ...error.members });
  response.writeHead(error.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'x-amzn-errortype': error.errorType,
    'x-amzn-requestid': requestId,
  });
  response.end(body);
}
