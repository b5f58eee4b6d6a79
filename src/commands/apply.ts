import { Option, type Command } from 'commander';
import { UsageError } from '../errors.js';
import { APPLY_STAGE_ORDER, type ApplyStageName } from '../apply/apply-stage.js';
import { DEFAULT_SIGNING_KEY_FILE } from '../ota/signing-key.js';
import { rolloutOverridesOf, type RolloutFlags } from './apply-rollout.js';
import { buildApplyStages } from './apply-stages.js';
import { globalOptionsOf } from './global-options.js';
import { runCommand } from './run-command.js';

interface ApplyFlags extends RolloutFlags {
  plan: string;
  stage?: ApplyStageName;
  yes?: boolean;
  stateDir: string;
  hubConnectionString?: string;
  concurrency: string;
  signingKey: string;
}

const CONNECTION_STRING_SOURCES = 'IOTHUB_CONNECTION_STRING (or --hub-connection-string)';

export function registerApplyCommand(program: Command): void {
  program
    .command('apply')
    .description('carry out plan/: every device identity on IoT Hub, the signed firmware bundle in S3, then the OTA cutover')
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
    .option('--max-per-minute <n>', "rollout: devices each wave's AWS IoT job starts per minute (1-1000; default: plan.json)")
    .option('--abort-failure-percent <p>', 'rollout: stop when a wave fails above this share of its finished devices (default: plan.json)')
    .option('--notify-webhook <url>', 'rollout: POST a JSON notice here for each device quarantined')
    .option('--poll-interval <seconds>', 'rollout: how often AWS and IoT Hub are read while a wave runs', '5')
    .option('--retry-cool-down <seconds>', 'rollout: wait before a retry wave takes rolled-back devices again (default: plan.json)')
    .option('--signing-key <file>', 'the ed25519 firmware signing key plan used (its public half is in plan.json)', DEFAULT_SIGNING_KEY_FILE)
    .addHelpText(
      'after',
      `
Stages: identities (every device of plan/identities.json on the hub, createOrUpdate, with
its twin tags and desired properties; SAS fallback keys go to <state-dir>/sas-keys.ndjson,
mode 0600), bundle (plan/firmware packed into <state-dir>/bundle/firmware-<sha256>.tar.gz
and signed with --signing-key, which must be the key plan recorded), upload (the bundle
to the plan's S3 bucket and key in the fleet's region, the bucket created if missing;
AWS credentials as for detect), rollout (one AWS IoT job per wave, canary first, watched on AWS and
IoT Hub until each device is verified or rolled back; a wave failing above the threshold
stops the rollout; rolled-back devices get retry waves, then the iotmigrate-quarantine
thing group). Progress is kept per device in <state-dir>/state.db: after a failure or a kill,
run the same command again and it continues. Exit 0 when done, 4 when some devices could
not be migrated (each is listed with its reason). Against the sandbox, eval "$(iotmigrate
sandbox env)" first; against Azure, IOTHUB_CONNECTION_STRING comes from
terraform output -raw iothub_connection_string in plan/terraform.`,
    )
    .action(async (flags: ApplyFlags, command: Command) => {
      await runCommand('apply', globalOptionsOf(command), async ({ emit, signal, control }) => {
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

        const rollout = rolloutOverridesOf(flags);
        const [{ runApply }, built] = await Promise.all([
          import('../apply/run-apply.js'),
          buildApplyStages({ connectionString, hostName, concurrency, signingKeyFile: flags.signingKey, rollout, only: flags.stage }),
        ]);
        const result = await runApply({
          planDir: flags.plan,
          stateDir: flags.stateDir,
          hubHostName: hostName,
          stages: built.stages,
          confirm: flags.yes ? async () => true : confirmOnTerminal,
          emit,
          signal,
          control,
        }).finally(() => built.close());
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
