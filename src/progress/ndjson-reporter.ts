import type { ProgressEvent } from './events.js';
import type { Reporter } from './reporter.js';

/**
 * One JSON object per line on stdout, for CI; `ts` is epoch milliseconds. A reader that
 * goes away (`--json | head -1`) ends the stream, not the command: apply or demo keep
 * going to their end, as a crash mid-rollout would leave a wave unwatched.
 */
export function createNdjsonReporter(out: NodeJS.WritableStream = process.stdout): Reporter {
  let readerGone = false;
  // EPIPE arrives as an 'error' event, often after the write returned; unheard, it would crash the process.
  out.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    readerGone = true;
  });
  return {
    emit(event: ProgressEvent) {
      if (!readerGone) out.write(`${JSON.stringify({ ...event, ts: Date.now() })}\n`);
    },
    close() {},
  };
}
