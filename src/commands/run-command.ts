import type { RolloutControl } from '../apply/apply-stage.js';
import { createRolloutControl } from '../apply/rollout-control.js';
import { ExitCode, isIotMigrateError } from '../errors.js';
import type { EmitProgress } from '../progress/events.js';
import { fleetSummaryOf, NO_DEVICES, type FleetSummary } from '../progress/fleet-summary.js';
import { createReporter, type GlobalOptions } from './global-options.js';

export interface CommandContext {
  emit: EmitProgress;
  /** Aborted on SIGINT/SIGTERM: long work stops between calls and keeps its checkpoint. */
  signal: AbortSignal;
  /** The rollout's pause switch: the live view's `p` key flips it; a command with a rollout hands it to runApply. */
  control: RolloutControl;
}

export interface CommandOutcome {
  exitCode?: ExitCode;
  counts?: Record<string, number>;
  /** The summary's device figures where the command knows them; otherwise read from `devices.<state>` counts. */
  fleet?: Partial<FleetSummary>;
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
  const control = createRolloutControl();
  const reporter = await createReporter(globals, name, control);
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
    const outcome = await body({ emit, signal: controller.signal, control });
    const exitCode = outcome.exitCode ?? ExitCode.ok;
    const counts = outcome.counts ?? {};
    emit({ type: 'summary', command: name, durationMs: Date.now() - started, exitCode, ...fleetSummaryOf(counts, outcome.fleet), counts });
    process.exitCode = exitCode;
  } catch (error) {
    const exitCode = exitCodeOf(error);
    if (isIotMigrateError(error)) emit({ type: 'error', message: error.message, hint: error.hint, exitCode });
    else emit({ type: 'error', message: String((error as Error)?.message ?? error), exitCode });
    emit({ type: 'summary', command: name, durationMs: Date.now() - started, exitCode, ...NO_DEVICES, counts: {} });
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
