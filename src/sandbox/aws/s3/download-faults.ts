import { Transform, type TransformCallback } from 'node:stream';
import type { FaultInjector } from '../../faults.js';

/**
 * How one presigned download goes wrong, decided before its first byte is sent. Offsets
 * count from the first byte of this response (of its range, for a ranged GET).
 */
export interface DownloadFault {
  /** Bytes flipped in transit (`bundle-corrupt`); empty when the body is left intact. */
  corruptOffsets: number[];
  /** The connection drops after this many body bytes (`download-drop`); undefined when the body is sent whole. */
  dropAfter: number | undefined;
}

/** Enough to break any SHA-256, few enough to look like line noise rather than a different file. */
const MAX_CORRUPT_BYTES = 8;

/**
 * Draws whether a download of `length` bytes is cut and whether it is corrupted, from
 * each kind's own stream, so the seed reproduces both. Undefined when neither strikes.
 */
export function drawDownloadFault(faults: FaultInjector, length: number): DownloadFault | undefined {
  if (length === 0) return undefined;
  const drop = faults.strikes('download-drop');
  const corrupt = faults.strikes('bundle-corrupt');
  if (!drop && !corrupt) return undefined;
  const offsets = new Set<number>();
  if (corrupt) {
    const count = Math.min(length, 1 + Math.floor(faults.draw('bundle-corrupt') * MAX_CORRUPT_BYTES));
    // A set, because flipping one byte twice would restore it.
    while (offsets.size < count) offsets.add(Math.floor(faults.draw('bundle-corrupt') * length));
  }
  return {
    corruptOffsets: [...offsets].sort((a, b) => a - b),
    // Strictly less than the whole body, so the client always sees a short read.
    dropAfter: drop ? Math.floor(faults.draw('download-drop') * length) : undefined,
  };
}

/**
 * Plays a download fault on the body as it streams: flips the chosen bytes (inverting
 * every bit, so each one surely changes) and swallows everything after the cut. The
 * caller destroys the connection once what was let through has been sent, as a link
 * that dies mid-transfer would; headers (Content-Length, ETag) stay those of the object.
 */
export function applyDownloadFault(fault: DownloadFault): Transform {
  let position = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      const start = position;
      position += chunk.length;
      const keep = fault.dropAfter === undefined ? chunk.length : Math.max(0, Math.min(chunk.length, fault.dropAfter - start));
      if (keep === 0) return callback();
      let out = chunk.subarray(0, keep);
      const hits = fault.corruptOffsets.filter((offset) => offset >= start && offset < start + keep);
      if (hits.length > 0) {
        // The object store may hand out shared buffers: corrupt a copy, never the stored bytes.
        out = Buffer.from(out);
        for (const offset of hits) out[offset - start] = out[offset - start]! ^ 0xff;
      }
      callback(null, out);
    },
  });
}
