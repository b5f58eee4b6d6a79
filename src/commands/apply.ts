import { Option, type Command } from 'commander';
import { UsageError } from '../errors.js';
import { APPLY_STAGE_ORDER, type ApplyStageName } from '../apply/apply-stage.js';
import { globalOptionsOf } from './global-options.js';
import { runCommand } from './run-command.js';

interface ApplyFlags {
  plan: string;
  stage?: ApplyStageName;
  yes?: boolean;
  stateDir: string;
  hubConnectionString?: string;
  concurrency: string;
}

const CONNECTION_STRING_SOURCES = 'IOTHUB_CONNECTION_STRING (or --hub-connection-string)';

export function registerApplyCommand(program: Command): void {
  program
    .command('apply')
    .description('carry out plan/: create every device identity on IoT Hub (the OTA cutover stages follow)')
    .option('-p, --plan <dir>', 'the plan directory `iotmigrate plan` wrote', 'plan')
    .addOption(new Option('--stage <name>', 'run this stage only (default: every stage, in order)').choices(APPLY_STAGE_ORDER))
    .option('-y, --yes', 'write without asking; required when there is no terminal to ask on')
    .option('--state-dir <dir>', 'where apply keeps its state (state.db) and the SAS key file', '.iotmigrate')
    .addOption(
      new Option('--hub-connection-string <string>', 'IoT Hub service connection string, policy iothubowner or one with RegistryWrite and ServiceConnect').env(
        'IOTHUB_CONNECTION_STRING',
      ),
    )
    .option('--concurrency <n>', 'bulk registry requests in flight', '4')
    .addHelpText(
      'after',
      `
Stages: identities (every device of plan/identities.json on the hub, createOrUpdate, with
its twin tags and desired properties; SAS fallback keys go to <state-dir>/sas-keys.ndjson,
mode 0600). Progress is kept per device in <state-dir>/state.db: after a failure or a kill,
run the same command again and it continues. Exit 0 when done, 4 when some devices could
not be migrated (each is listed with its reason). Against the sandbox, eval "$(iotmigrate
sandbox env)" first; against Azure, IOTHUB_CONNECTION_STRING comes from
terraform output -raw iothub_connection_string in plan/terraform.`,
    )
    .action(async (flags: ApplyFlags, command: Command) => {
      await runCommand('apply', globalOptionsOf(command), async ({ emit, signal }) => {
        const concurrency = Number(flags.concurrency);
        if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 32) {
          throw new UsageError(`--concurrency must be a whole number from 1 to 32, got "${flags.concurrency}"`);
        }
        const connectionString = flags.hubConnectionString;
        if (!connectionString) {
          throw new UsageError(`no IoT Hub connection string: set ${CONNECTION_STRING_SOURCES}`, {
            hint: 'against the sandbox: eval "$(iotmigrate sandbox env)"; against Azure: terraform output -raw iothub_connection_string in plan/terraform',
          });
        }
        const { readHubConnectionString } = await import('../azure/hub-connection-string.js');
        const reading = readHubConnectionString(connectionString);
        if (!reading.ok) {
          throw new UsageError(`the IoT Hub connection string in ${CONNECTION_STRING_SOURCES} is not usable: ${reading.problem}`, {
            hint: 'it looks like HostName=<hub>.azure-devices.net;SharedAccessKeyName=iothubowner;SharedAccessKey=<key>',
          });
        }
        const { hostName } = reading.connection;

        const [{ runApply }, { identitiesStage }, { identityRegistryOver }, { Registry }] = await Promise.all([
          import('../apply/run-apply.js'),
          import('../apply/identities-stage.js'),
          import('../azure/identity-registry.js'),
          // The registry module alone: the package root also loads the AMQP client apply does not use.
          import('azure-iothub/dist/registry.js'),
        ]);
        const registry = Registry.fromConnectionString(connectionString);
        const stages = [identitiesStage({ hostName, concurrency, registryFor: (callOptions) => identityRegistryOver(registry, { ...callOptions, hostName }) })];
        const result = await runApply({
          planDir: flags.plan,
          stateDir: flags.stateDir,
          hubHostName: hostName,
          stages: stages.filter((stage) => flags.stage === undefined || stage.name === flags.stage),
          confirm: flags.yes ? async () => true : confirmOnTerminal,
          emit,
          signal,
        });
        emit({ type: 'result', command: 'apply', lines: result.lines });
        return { exitCode: result.exitCode, counts: result.counts };
      });
    });
}

async function confirmOnTerminal(lines: readonly string[]): Promise<boolean> {
  if (!process.stdin.isTTY || !process.stderr.isTTY) {
    throw new UsageError('apply would write to the cloud and there is no terminal to confirm on: pass --yes (or set IOTMIGRATE_APPLY_YES=1)', {
      hint: `it would write: ${lines.map((line) => line.trim()).join('; ')}`,
    });
  }
  const { createInterface } = await import('node:readline/promises');
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await prompt.question(`\n${lines.join('\n')}\n\nDo you want to apply this? Only 'yes' will be accepted: `);
    return answer.trim().toLowerCase() === 'yes';
  } finally {
    prompt.close();
  }
}
