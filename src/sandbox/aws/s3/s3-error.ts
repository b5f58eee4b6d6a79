import type { ServerResponse } from 'node:http';

/** An S3 error: the status and the XML `<Error>` body the SDK turns into a named exception. */
export class S3Error extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    /** Extra elements of the error body (`Key`, `BucketName`, `Expires`, ...). */
    readonly details: Record<string, string> = {},
  ) {
    super(message);
    this.name = code;
  }
}

export const noSuchBucket = (bucket: string) => new S3Error('NoSuchBucket', 404, 'The specified bucket does not exist', { BucketName: bucket });
export const noSuchKey = (key: string) => new S3Error('NoSuchKey', 404, 'The specified key does not exist.', { Key: key });
export const accessDenied = (message = 'Access Denied', details: Record<string, string> = {}) => new S3Error('AccessDenied', 403, message, details);
export const invalidArgument = (message: string) => new S3Error('InvalidArgument', 400, message);

export function escapeXml(value: string): string {
  return value.replace(/[&<>"']/g, (character) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[character]!};`);
}

export function sendS3Error(response: ServerResponse, error: S3Error, requestId: string, headOnly: boolean): void {
  const headers = { 'x-amz-request-id': requestId, 'x-amz-id-2': requestId };
  // HEAD responses carry no body; the SDK names their errors from the status alone (NotFound, Forbidden).
  if (headOnly) {
    response.writeHead(error.status, headers);
    response.end();
    return;
  }
  const details = Object.entries(error.details)
    .map(([name, value]) => `<${name}>${escapeXml(value)}</${name}>`)
    .join('');
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${error.code}</Code><Message>${escapeXml(error.message)}</Message>${details}<RequestId>${requestId}</RequestId></Error>`;
  response.writeHead(error.status, { ...headers, 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
  response.end(body);
}
