import { Option, type Command } from 'commander';
import { UsageError } from '../errors.js';
import { globalOptionsOf } from './global-options.js';
import { runCommand } from './run-command.js';

interface ReportFlags {
  stateDir: string;
  plan: string;
  format: 'json' | 'csv' | 'html';
  out?: string;
}

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description('one row per device: its state, reason, wave, attempts, timestamps and firmware (json, csv or a single HTML page)')
    .addOption(new Option('-f, --format <format>', 'json, csv, or html (one self-contained page)').choices(['json', 'csv', 'html']).makeOptionMandatory())
    .option('-o, --out <file>', 'the file to write (default: stdout for json and csv, report.html for html)')
    .option('--state-dir <dir>', 'the state directory apply uses', '.iotmigrate')
    .option('-p, --plan <dir>', 'the plan directory, for wave names (optional)', 'plan')
    .addHelpText(
      'after',
      `
Reads <state-dir>/state.db without locking it, so it also works while apply runs; counts
and rows come from one snapshot. Files are written atomically; the path goes to stdout.
With --json (events on stdout), json and csv need --out.`,
    )
    .action(async (flags: ReportFlags, command: Command) => {
      const globals = globalOptionsOf(command);
      await runCommand('report', globals, async ({ emit }) => {
        const { runReport, defaultReportOut } = await import('../report/run-report.js');
        const out = flags.out ?? defaultReportOut(flags.format);
        if (out === undefined && globals.json) {
          throw new UsageError(`with --json, stdout carries the event stream, so the ${flags.format} report needs a file`, {
            hint: `pass --out report.${flags.format}`,
          });
        }
        const { formatStateCounts } = await import('../report/fleet-counts.js');
        const result = await runReport({
          stateDir: flags.stateDir,
          planDir: flags.plan,
          planRequired: command.getOptionValueSource('plan') !== 'default',
          format: flags.format,
          out,
          stdout: process.stdout,
        });
        const { fleet } = result;
        emit({ type: 'result', command: 'report', path: result.path, lines: [`Report of ${fleet.devices} devices: ${formatStateCounts(fleet.counts)}`] });
        // As apply reports them, so the summary's device figures read the same.
        return { counts: Object.fromEntries(Object.entries(fleet.counts).map(([state, count]) => [`devices.${state}`, count])) };
      });
    });
}
