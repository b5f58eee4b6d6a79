import { CommanderError } from 'commander';
import { ExitCode, formatUserError, isIotMigrateError } from './errors.js';
import { InterruptedError, exitCodeOf } from './commands/run-command.js';
import { buildProgram } from './program.js';

async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  const verbose = argv.includes('--verbose') || isTruthy(process.env.IOTMIGRATE_VERBOSE);
  // The AWS SDK warns on every run that its 2027 releases will need Node 22; iotmigrate
  // pins its SDK versions, so on Node 20 the warning is noise unless asked for.
  if (!verbose) process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.ok;
  } catch (error) {
    return reportError(error, verbose);
  }
}

/** The one place errors become output and exit codes. */
function reportError(error: unknown, verbose: boolean): number {
  if (error instanceof CommanderError) {
    // commander has already printed its message (or the help / version text).
    return error.exitCode === 0 ? ExitCode.ok : ExitCode.badInput;
  }
  if (isIotMigrateError(error)) {
    process.stderr.write(`iotmigrate: ${formatUserError(error)}\n`);
    if (verbose && error.cause) process.stderr.write(`${describeCause(error.cause)}\n`);
    return error.exitCode;
  }
  if (error instanceof InterruptedError) {
    process.stderr.write(`iotmigrate: ${error.message}; progress so far is saved, run the same command again to resume\n`);
    return exitCodeOf(error);
  }
  process.stderr.write(
    `iotmigrate: unexpected error — this is a bug, please report it with the output of --verbose\n${
      verbose ? describeCause(error) : String((error as Error)?.message ?? error)
    }\n`,
  );
  return ExitCode.bug;
}

function describeCause(cause: unknown): string {
  return cause instanceof Error ? (cause.stack ?? cause.message) : String(cause);
}

function isTruthy(value: string | undefined): boolean {
  return value !== undefined && !['', '0', 'false', 'no'].includes(value.toLowerCase());
}

process.exit(await main(process.argv));
