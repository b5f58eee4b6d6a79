import { basename, dirname, join } from 'node:path';
import { Option, type Command } from 'commander';
import { UsageError } from '../errors.js';
import { globalOptionsOf } from './global-options.js';
import { runCommand } from './run-command.js';

interface DetectFlags {
  out: string;
  region?: string;
  firmwareRepo: string[];
  resume?: boolean;
  shadows: boolean;
  concurrency: string;
}

export function registerDetectCommand(program: Command): void {
  program
    .command('detect')
    .description('read the AWS IoT estate (and firmware repos) into manifest.json')
    .option('-o, --out <file>', 'where to write the manifest', 'manifest.json')
    .option('--region <region>', 'AWS region (default: the AWS SDK chain, e.g. AWS_REGION)')
    .addOption(
      new Option('--firmware-repo <dir>', 'scan a device firmware repo for AWS IoT usage (repeatable)')
        .argParser((value: string, previous: string[] = []) => [...previous, value])
        .default([]),
    )
    .option('--resume', 'require a checkpoint from an interrupted run and continue it')
    .option('--no-resume', 'ignore any checkpoint and read everything again')
    .option('--no-shadows', 'skip reading device shadows (one data-plane call per shadow)')
    .option('--concurrency <n>', 'parallel calls per AWS API', '8')
    .addHelpText(
      'after',
      `
By default an interrupted detect resumes from its checkpoint (<out>.checkpoint.json).
Credentials, region and endpoints come from the standard AWS SDK chain; against the
sandbox run: eval "$(iotmigrate sandbox env)"`,
    )
    .action(async (flags: DetectFlags, command: Command) => {
      const concurrency = Number(flags.concurrency);
      if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
        throw new UsageError(`--concurrency must be a whole number from 1 to 64, got "${flags.concurrency}"`);
      }
      await runCommand('detect', globalOptionsOf(command), async ({ emit, signal }) => {
        const { runDetect } = await import('../detect/run-detect.js');
        const result = await runDetect({
          out: flags.out,
          region: flags.region,
          firmwareRepos: flags.firmwareRepo,
          resume: flags.resume === true ? 'always' : flags.resume === false ? 'never' : 'auto',
          checkpointFile: join(dirname(flags.out), `.${basename(flags.out)}.checkpoint.json`),
          shadows: flags.shadows,
          concurrency,
          signal,
          onEvent: emit,
        });
        emit({ type: 'result', command: 'detect', path: result.manifestPath, lines: result.summaryLines });
        return { counts: result.counts, fleet: { devices: result.manifest.things.length } };
      });
    });
}
