import type { Command } from 'commander';
import type { RolloutControl } from '../apply/apply-stage.js';
import type { Reporter } from '../progress/reporter.js';

export interface GlobalOptions {
  json: boolean;
  verbose: boolean;
  tui: boolean;
}

export function globalOptionsOf(command: Command): GlobalOptions {
  const all = command.optsWithGlobals<Partial<GlobalOptions>>();
  return { json: all.json ?? false, verbose: all.verbose ?? false, tui: all.tui ?? true };
}

/**
 * NDJSON on stdout with --json; the live ink view when stderr is a terminal (unless
 * --no-tui); plain text on stderr otherwise. Each reporter is imported only when chosen:
 * ink and React are too heavy to load for `--help` or a CI run. Only the live view takes
 * the rollout `control` (its `p` key); NDJSON and plain lines have no keys.
 */
export async function createReporter(options: GlobalOptions, command: string, control?: RolloutControl): Promise<Reporter> {
  if (options.json) {
    const { createNdjsonReporter } = await import('../progress/ndjson-reporter.js');
    return createNdjsonReporter();
  }
  // A terminal of no size (a pty nobody sized, as under `script` or some CI runners) cannot
  // hold a live view, and under CI ink draws only the last frame, so a CI log would show
  // nothing until the end: plain lines serve both better.
  if (options.tui && process.stderr.isTTY && process.stderr.columns > 0 && !runsInCi(process.env)) {
    const { createTuiReporter } = await import('../progress/tui/tui-reporter.js');
    return createTuiReporter({ command, verbose: options.verbose, control });
  }
  const { createTextReporter } = await import('../progress/text-reporter.js');
  return createTextReporter({ verbose: options.verbose });
}

/** The CI convention ink itself follows (CI or CI_* set, unless CI is "0" or "false"). */
export function runsInCi(env: NodeJS.ProcessEnv): boolean {
  if (env.CI === '0' || env.CI === 'false') return false;
  return 'CI' in env || 'CONTINUOUS_INTEGRATION' in env || Object.keys(env).some((name) => name.startsWith('CI_'));
}
