/**
 * Decodes the `aws-chunked` content encoding the AWS SDKs use for streamed uploads
 * (client-s3 sends any stream body this way, with a trailing checksum):
 * `<hex size>[;chunk-signature=…]\r\n<data>\r\n` repeated, a zero-size chunk, then
 * trailer lines `name:value\r\n` and a blank line. Storing the framing verbatim is the
 * classic emulator bug (the object reads back with the hex sizes and trailers in it).
 */
export interface DecodedChunks {
  data: Buffer;
  /** Trailer headers, names lower-cased (`x-amz-checksum-crc32`). */
  trailers: Record<string, string>;
}

export class MalformedChunksError extends Error {}

const CRLF = Buffer.from('\r\n');

export function decodeAwsChunked(body: Buffer): DecodedChunks {
  const chunks: Buffer[] = [];
  let offset = 0;
  const readLine = (): string => {
    const end = body.indexOf(CRLF, offset);
    if (end < 0) throw new MalformedChunksError('aws-chunked body ends inside a chunk header');
    const line = body.subarray(offset, end).toString('latin1');
    offset = end + CRLF.length;
    return line;
  };
  for (;;) {
    const header = readLine();
    const sizeText = header.split(';', 1)[0]!.trim();
    if (!/^[0-9a-fA-F]+$/.test(sizeText)) throw new MalformedChunksError(`aws-chunked chunk size '${sizeText}' is not hexadecimal`);
    const size = Number.parseInt(sizeText, 16);
    if (size === 0) break;
    if (offset + size + CRLF.length > body.length) throw new MalformedChunksError('aws-chunked body ends inside a chunk');
    chunks.push(body.subarray(offset, offset + size));
    offset += size;
    if (!body.subarray(offset, offset + CRLF.length).equals(CRLF)) throw new MalformedChunksError('aws-chunked chunk is not followed by CRLF');
    offset += CRLF.length;
  }
  const trailers: Record<string, string> = {};
  while (offset < body.length) {
    const line = readLine();
    if (line === '') break;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new MalformedChunksError(`aws-chunked trailer '${line}' has no name`);
    trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { data: Buffer.concat(chunks), trailers };
}
