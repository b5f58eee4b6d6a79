import type { Command } from 'commander';
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
 * NDJSON on stdout with --json; otherwise plain text on stderr. The ink TUI (when
 * stderr is a terminal and --no-tui is not given) plugs in here with the demo.
 */
export async function createReporter(options: GlobalOptions): Promise<Reporter> {
  if (options.json) {
    const { createNdjsonReporter } = await import('../progress/ndjson-reporter.js');
    return createNdjsonReporter();
  }
  const { createTextReporter } = await import('../progress/text-reporter.js');
  return createTextReporter({ verbose: options.verbose });
}
