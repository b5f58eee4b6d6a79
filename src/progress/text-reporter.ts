import { assertNever } from '../assert-never.js';
import type { ProgressEvent } from './events.js';
import type { Reporter } from './reporter.js';

const PROGRESS_INTERVAL_MS = 1000;

/**
 * Plain lines on stderr for logs and terminals without the TUI. Progress is printed at
 * most once a second per resource (and always when a count completes), so a 100k-thing
 * detect does not flood a CI log. Only a result's path goes to stdout: it is what the
 * command made, and scripts capture it.
 */
export function createTextReporter(
  options: { verbose?: boolean; err?: NodeJS.WritableStream; out?: NodeJS.WritableStream } = {},
): Reporter {
  const err = options.err ?? process.stderr;
  const out = options.out ?? process.stdout;
  const lastPrinted = new Map<string, number>();
  const pending = new Map<string, string>();

  const line = (text: string) => err.write(`${text}\n`);
  const lastText = new Map<string, string>();
  /**
   * A line that changes often: printed at once when `now` says so, else at most once a
   * second per key; never twice the same, since a poll that found nothing new is no news
   * in a CI log.
   */
  const throttledLine = (key: string, text: string, now: boolean) => {
    if (lastText.get(key) === text) {
      pending.delete(key);
      return;
    }
    const at = Date.now();
    if (now || at - (lastPrinted.get(key) ?? 0) >= PROGRESS_INTERVAL_MS) {
      lastPrinted.set(key, at);
      lastText.set(key, text);
      pending.delete(key);
      line(text);
    } else {
      pending.set(key, text);
    }
  };
  const flushPending = () => {
    for (const [key, text] of pending) {
      lastText.set(key, text);
      line(text);
    }
    pending.clear();
  };

  return {
    emit(event: ProgressEvent) {
      switch (event.type) {
        case 'stage':
          if (event.status === 'started') line(`▸ ${event.title ?? event.stage}`);
          else flushPending();
          return;
        case 'progress': {
          const key = `${event.stage}/${event.resource}`;
          const total = event.total === undefined ? '' : `/${event.total}`;
          const rate = event.ratePerSecond ? ` (${event.ratePerSecond.toFixed(0)}/s)` : '';
          throttledLine(key, `  ${event.resource}: ${event.done}${total}${rate}`, event.total !== undefined && event.done >= event.total);
          return;
        }
        case 'throttled':
          if (options.verbose) line(`  throttled on ${event.operation}, retrying in ${event.retryInMs} ms`);
          return;
        case 'warning':
          line(`  ! ${event.message}`);
          return;
        case 'log':
          if (event.level === 'info' || options.verbose) line(event.message);
          return;
        case 'result':
          for (const text of event.lines) line(text);
          if (event.path) out.write(`${event.path}\n`);
          return;
        case 'wave': {
          const counts = Object.entries(event.counts)
            .filter(([, count]) => count > 0)
            .map(([state, count]) => `${state} ${count}`)
            .join(', ');
          const success = event.successPercent === null ? '' : `, ${event.successPercent.toFixed(0)}% verified`;
          const text = `  wave ${event.name} (${event.devices} devices): ${event.status}${counts ? ` — ${counts}` : ''}${success}${event.reason ? ` — ${event.reason}` : ''}`;
          // Every state change of a wave, but its running counts only as often as progress.
          throttledLine(`wave/${event.wave}`, text, event.status !== 'running');
          return;
        }
        case 'device':
          line(`  ✗ ${event.deviceId} ${event.state}: ${event.reason}`);
          return;
        case 'error':
          return;
        case 'summary':
          if (options.verbose) line(`${event.command} finished in ${(event.durationMs / 1000).toFixed(1)} s`);
          return;
        default:
          assertNever(event);
      }
    },
    close() {
      flushPending();
    },
  };
}
