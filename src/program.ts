import { Command } from 'commander';
import { bindEnvironmentVariables } from './commands/environment-variables.js';
import { registerApplyCommand } from './commands/apply.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerDetectCommand } from './commands/detect.js';
import { registerRewriteCommand } from './commands/rewrite.js';
import { registerPlanCommand } from './commands/plan.js';
import { registerReportCommand } from './commands/report.js';
import { registerSandboxCommand } from './commands/sandbox.js';
import { registerSchemaCommand } from './commands/schema.js';
import { registerStatusCommand } from './commands/status.js';
import { registerValidateCommand } from './commands/validate.js';
import { VERSION } from './version.js';

/**
 * Wiring only: every command lives in src/commands/ and loads its core lazily. Apart from
 * cli.ts (which runs it) so tests can check command lines against it without running any.
 */
export function buildProgram(): Command {
  const program = new Command('iotmigrate')
    .description('Migrate a fleet of IoT devices from AWS IoT Core to Azure IoT Hub, with no device left behind.')
    .version(VERSION, '-V, --version')
    .option('--json', 'machine-readable NDJSON events on stdout (for CI)')
    .option('--verbose', 'show debug lines and stack traces')
    .option('--no-tui', 'plain text progress even on a terminal')
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ showGlobalOptions: true })
    .exitOverride();

  registerDemoCommand(program);
  registerSandboxCommand(program);
  registerDetectCommand(program);
  registerRewriteCommand(program);
  registerPlanCommand(program);
  registerApplyCommand(program);
  registerStatusCommand(program);
  registerReportCommand(program);
  registerValidateCommand(program);
  registerSchemaCommand(program);
  bindEnvironmentVariables(program);
  return program;
}
