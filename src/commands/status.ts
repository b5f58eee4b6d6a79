import type { Command } from 'commander';
import { globalOptionsOf } from './global-options.js';

interface StatusFlags {
  stateDir: string;
  plan: string;
}

/**
 * A query, like `sandbox status`: it prints one view (one JSON object with --json) on
 * stdout rather than an event stream, so `iotmigrate status --json | jq` just works.
 */
export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description("where the migration stands: devices per state and per wave, and whether apply is running")
    .option('--state-dir <dir>', 'the state directory apply uses', '.iotmigrate')
    .option('-p, --plan <dir>', 'the plan directory, for wave names (optional)', 'plan')
    .addHelpText(
      'after',
      `
Reads <state-dir>/state.db without locking it: run it in another terminal while apply
works. Waves are named as in the plan (canary, wave-2, ...) and retry waves retry-1, ...;
without a plan, by number. With --json, prints one JSON object.`,
    )
    .action(async (flags: StatusFlags, command: Command) => {
      const { readStatus, formatStatusLines } = await import('../report/status.js');
      const status = await readStatus({
        stateDir: flags.stateDir,
        planDir: flags.plan,
        planRequired: command.getOptionValueSource('plan') !== 'default',
      });
      process.stdout.write(globalOptionsOf(command).json ? `${JSON.stringify(status)}\n` : `${formatStatusLines(status).join('\n')}\n`);
    });
}
