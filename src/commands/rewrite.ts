import type { Command } from 'commander';
import { ExitCode, UsageError } from '../errors.js';
import { globalOptionsOf } from './global-options.js';
import { runCommand } from './run-command.js';

interface RewriteFlags {
  out?: string;
  inPlace?: boolean;
  dryRun?: boolean;
  report?: string;
  force?: boolean;
  failOnError?: boolean;
}

export function registerRewriteCommand(program: Command): void {
  program
    .command('rewrite')
    .description('rewrite device firmware from the AWS IoT device SDKs to the Azure IoT device SDK')
    .argument('<repo>', 'the firmware repo: the folder with its package.json')
    .option('-o, --out <dir>', 'write the rewritten copy of the repo here')
    .option('--in-place', "rewrite the repo's own files (refused on a dirty git tree unless --force)")
    .option('--dry-run', 'print a unified diff of the rewrite and write nothing')
    .option('--report <file>', 'where to write rewrite-report.json (default: <out>/rewrite-report.json)')
    .option('--force', 'rewrite in place over uncommitted changes, or write into a non-empty --out folder')
    .option('--fail-on-error', 'exit 1 when a file could not be rewritten (otherwise it is an error row in the report)')
    .addHelpText(
      'after',
      `
The report lists every file (rewritten, unchanged, skipped, error) and every AWS
construct found, with what was done or what is left to decide; each TODO is also a
// TODO(iotmigrate): comment in the code. The rewritten firmware reads the IoT Hub
host name from IOTHUB_HOSTNAME where it read the AWS endpoint.`,
    )
    .action(async (repo: string, flags: RewriteFlags, command: Command) => {
      const output = outputOf(flags);
      if (flags.dryRun && flags.report !== undefined) {
        throw new UsageError('--dry-run writes nothing, so it writes no report either.', { hint: 'Drop --report, or run without --dry-run.' });
      }
      await runCommand('rewrite', globalOptionsOf(command), async ({ emit }) => {
        const { rewriteFirmwareRepo } = await import('../codemods/rewrite-firmware-repo.js');
        const result = await rewriteFirmwareRepo({ repoPath: repo, output, reportPath: flags.report, onEvent: emit });
        if (result.diff !== undefined) {
          if (globalOptionsOf(command).json) emit({ type: 'result', command: 'rewrite', lines: result.diff.split('\n') });
          else process.stdout.write(result.diff);
        }
        const path = output.kind === 'directory' ? output.path : output.kind === 'in-place' ? repo : undefined;
        emit({ type: 'result', command: 'rewrite', ...(path === undefined ? {} : { path }), lines: result.summaryLines });
        const failed = flags.failOnError === true && result.counts.errors > 0;
        return { counts: result.counts, ...(failed ? { exitCode: ExitCode.bug } : {}) };
      });
    });
}

function outputOf(flags: RewriteFlags): { kind: 'directory'; path: string; replace: boolean } | { kind: 'in-place'; force: boolean } | { kind: 'dry-run' } {
  const chosen = [flags.out !== undefined, flags.inPlace === true, flags.dryRun === true].filter(Boolean).length;
  if (chosen > 1) {
    throw new UsageError('Choose one of --out DIR, --in-place and --dry-run.', { hint: 'A rewrite goes to a copy, into the repo itself, or only to a diff on stdout.' });
  }
  if (flags.dryRun) return { kind: 'dry-run' };
  if (flags.inPlace) return { kind: 'in-place', force: flags.force === true };
  if (flags.out === undefined) {
    throw new UsageError('Say where the rewritten firmware goes.', { hint: 'Pass --out DIR for a rewritten copy, --in-place to rewrite the repo itself, or --dry-run to see the diff.' });
  }
  return { kind: 'directory', path: flags.out, replace: flags.force === true };
}
