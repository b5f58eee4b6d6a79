import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';

/** Chunks are gathered up to this size before a write, so a row-per-chunk source does not make a syscall per row. */
const BATCH_CHARS = 64 * 1024;

/**
 * Pulls `chunks` only as fast as `out` drains, so a large output (a 100k-device report)
 * is never held in memory whole. Does not end `out`.
 */
export async function writeChunks(out: NodeJS.WritableStream, chunks: Iterable<string>): Promise<void> {
  let batch = '';
  const flush = async () => {
    if (batch !== '' && !out.write(batch)) await once(out, 'drain');
    batch = '';
  };
  for (const chunk of chunks) {
    batch += chunk;
    if (batch.length >= BATCH_CHARS) await flush();
  }
  await flush();
}

/**
 * The streaming sibling of writeFileAtomic: writes through a temp file in the same
 * directory and renames it into place, so a reader never sees half a file and a failed
 * run leaves the previous one intact.
 */
export async function writeChunksAtomic(path: string, chunks: Iterable<string>, options: { mode?: number } = {}): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const temp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const out = createWriteStream(temp, { mode: options.mode ?? 0o644 });
  try {
    await writeChunks(out, chunks);
    out.end();
    await finished(out);
    await rename(temp, path);
  } catch (error) {
    out.destroy();
    await rm(temp, { force: true });
    throw error;
  }
}
