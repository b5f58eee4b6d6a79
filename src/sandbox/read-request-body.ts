import type { IncomingMessage } from 'node:http';

/**
 * Reads a request body whole, but keeps at most `maxBytes`: an emulator must not let one
 * oversized request hold the process's memory. Past the limit the request still drains
 * (so the client gets an answer) and the promise rejects with `tooLarge()`, the cloud's
 * own error for it.
 */
export function readRequestBody(request: IncomingMessage, maxBytes: number, tooLarge: () => Error): Promise<Buffer> {
  return new Promise((resolveBody, rejectBody) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) chunks.push(chunk);
    });
    request.on('end', () => {
      if (size > maxBytes) rejectBody(tooLarge());
      else resolveBody(Buffer.concat(chunks));
    });
    request.on('error', rejectBody);
  });
}
