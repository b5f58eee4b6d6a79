import type { ProgressEvent } from './events.js';
import type { Reporter } from './reporter.js';

/** One JSON object per line on stdout, for CI; `ts` is epoch milliseconds. */
export function createNdjsonReporter(out: NodeJS.WritableStream = process.stdout): Reporter {
  return {
    emit(event: ProgressEvent) {
      out.write(`${JSON.stringify({ ...event, ts: Date.now() })}\n`);
    },
    close() {},
  };
}
