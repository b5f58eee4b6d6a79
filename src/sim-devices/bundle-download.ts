import { get } from 'node:https';

/**
 * Fetches a firmware bundle over HTTPS from the job's presigned URL, trusting only the
 * CA given (the device's root CA store, explicitly: a fleet process serves devices of
 * one vendor, not the user's system trust). Refuses more than `maxBytes` (the job
 * states the size, so a longer answer is wrong anyway) and fails on a cut connection
 * or a non-200 answer, so a short download never reaches the installer.
 */
export function downloadBundle(url: string, options: { ca: string | Buffer; maxBytes: number; timeoutMs: number }): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const request = get(url, { ca: options.ca, timeout: options.timeoutMs }, (response) => {
      if (response.statusCode !== 200) {
        response.resume();
        reject(new Error(`download answered HTTP ${response.statusCode}`));
        return;
      }
      const chunks: Buffer[] = [];
      let received = 0;
      response.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > options.maxBytes) {
          request.destroy(new Error(`download exceeds the ${options.maxBytes} bytes the job states`));
          return;
        }
        chunks.push(chunk);
      });
      response.on('aborted', () => reject(new Error(`download cut after ${received} bytes`)));
      response.on('error', reject);
      response.on('end', () => {
        if (!response.complete) reject(new Error(`download cut after ${received} bytes`));
        else resolve(Buffer.concat(chunks));
      });
    });
    request.on('timeout', () => request.destroy(new Error(`download timed out after ${options.timeoutMs} ms`)));
    request.on('error', reject);
  });
}
