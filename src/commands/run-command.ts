import { ExitCode, isIotMigrateError } from '../errors.js';
import type { EmitProgress } from '../progress/events.js';
import { createReporter, type GlobalOptions } from './global-options.js';

export interface CommandContext {
  emit: EmitProgress;
  /** Aborted on SIGINT/SIGTERM: long work stops between calls and keeps its checkpoint. */
  signal: AbortSignal;
}

export interface CommandOutcome {
  exitCode?: ExitCode;
  counts?: Record<string, number>;
}

/**
 * The frame every command runs in: one reporter, a signal for Ctrl-C, and the closing
 * `summary` event (also on failure, so a CI log always ends with one). Errors are
 * re-thrown for the one handler in cli.ts to print and map to an exit code.
 */
export async function runCommand(
  name: string,
  globals: GlobalOptions,
  body: (context: CommandContext) => Promise<CommandOutcome>,
): Promise<void> {
  const reporter = await createReporter(globals, name);
  const started = Date.now();
  const controller = new AbortController();
  const interrupt = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort(new InterruptedError(signal));
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  const emit: EmitProgress = (event) => reporter.emit(event);
  try {
    const outcome = await body({ emit, signal: controller.signal });
    const exitCode = outcome.exitCode ?? ExitCode.ok;
    emit({ type: 'summary', command: name, durationMs: Date.now() - started, exitCode, counts: outcome.counts ?? {} });
    process.exitCode = exitCode;
  } catch (error) {
    const exitCode = exitCodeOf(error);
    if (isIotMigrateError(error)) emit({ type: 'error', message: error.message, hint: error.hint, exitCode });
    else emit({ type: 'error', message: String((error as Error)?.message ?? error), exitCode });
    emit({ type: 'summary', command: name, durationMs: Date.now() - started, exitCode, counts: {} });
    throw error;
  } finally {
    reporter.close();
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
  }
}

export class InterruptedError extends Error {
  constructor(readonly signal: NodeJS.Signals) {
    super(`interrupted by ${signal}`);
    this.name = 'InterruptedError';
  }
}

export function exitCodeOf(error: unknown): number {
  if (isIotMigrateError(error)) return error.exitCode;
  if (error instanceof InterruptedError) return 130;
  return ExitCode.bug;
}
