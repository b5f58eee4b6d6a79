import { Option, type Command } from 'commander';
import { UsageError } from '../errors.js';
import { DEFAULT_SIGNING_KEY_FILE } from '../ota/signing-key.js';
import { globalOptionsOf } from './global-options.js';
import { runCommand } from './run-command.js';

interface PlanFlags {
  manifest: string;
  out: string;
  hubName?: string;
  location?: string;
  resourceGroup?: string;
  sku?: 'S1' | 'S2' | 'S3';
  units?: string;
  messagesPerMinute: string;
  reconnectMinutes: string;
  caVerified?: boolean;
  canaryPercent: string;
  canaryMinimum: string;
  waveGrowth: string;
  waveCap: string;
  maxPerMinute: string;
  abortThreshold: string;
  abortMinExecuted?: string;
  inProgressTimeout: string;
  retries: string;
  retryWaves: string;
  retryCoolDown: string;
  azureConnectTimeout: string;
  firmwareRepo?: string;
  firmwareVersion?: string;
  firmwareEntry?: string;
  firmwareBucket?: string;
  presignRoleArn?: string;
  signingKey: string;
}

export function registerPlanCommand(program: Command): void {
  program
    .command('plan')
    .description('plan the Azure side from manifest.json: Terraform, identities, twins, waves (writes plan/)')
    .option('-m, --manifest <file>', 'the manifest detect wrote', 'manifest.json')
    .option('-o, --out <dir>', 'the plan directory to write', 'plan')
    .option('--hub-name <name>', 'IoT Hub name, globally unique (default: iot-<region>-<account>)')
    .option('--location <location>', 'Azure location (default: the one nearest the AWS region)')
    .option('--resource-group <name>', 'resource group to create (default: rg-<hub name>)')
    .addOption(new Option('--sku <sku>', 'IoT Hub tier (default: the cheapest that fits the fleet)').choices(['S1', 'S2', 'S3']))
    .option('--units <n>', 'IoT Hub units, overriding the sizing')
    .option('--messages-per-minute <n>', 'telemetry messages per device per minute, for sizing', '1')
    .option('--reconnect-minutes <n>', 'time the whole fleet may take to reconnect, for sizing', '30')
    .option('--ca-verified', 'upload registered CAs as verified instead of proving possession after apply')
    .option('--firmware-repo <dir>', 'rewrite this device firmware repo for IoT Hub into <out>/firmware (the repo is only read)')
    .option('--firmware-version <version>', 'the version the rewritten firmware reports (default: <package.json version>-azure)')
    .option('--firmware-entry <path>', 'the firmware module exporting start(options) (default: package.json main, dist/X.js → src/X.ts)')
    .option('--firmware-bucket <bucket>', 'S3 bucket apply uploads the signed bundle to (default: iotmigrate-firmware-<account>-<region>)')
    .option('--presign-role-arn <arn>', 'IAM role AWS IoT assumes to presign the bundle URL (default: arn:aws:iam::<account>:role/iotmigrate-ota-presign)')
    .option('--signing-key <file>', 'ed25519 firmware code-signing key, made there (mode 0600) when missing; devices must trust it', DEFAULT_SIGNING_KEY_FILE)
    .option('--canary-percent <p>', 'canary wave as a percentage of the devices', '1')
    .option('--canary-minimum <n>', 'smallest canary wave', '5')
    .option('--wave-growth <factor>', 'each wave is this many times the previous one', '2')
    .option('--wave-cap <n>', 'largest wave', '10000')
    .option('--max-per-minute <n>', 'AWS IoT job executions started per minute (1-1000)', '1000')
    .option('--abort-threshold <percent>', 'abort a wave once this share of its executed devices failed', '10')
    .option('--abort-min-executed <n>', 'devices that must have run before the abort threshold applies (default: the canary size)')
    .option('--in-progress-timeout <minutes>', 'time a device may take to update (1-10080)', '30')
    .option('--retries <n>', 'retries of a failed or timed-out device (0-10)', '2')
    .option('--retry-waves <n>', 'later waves that take rolled-back devices again before quarantine (0-10)', '2')
    .option('--retry-cool-down <seconds>', 'pause before each retry wave', '300')
    .option('--azure-connect-timeout <seconds>', "how long a device's update agent waits for IoT Hub before it boots its old firmware", '300')
    .addHelpText(
      'after',
      `
Reads only the manifest (and the firmware repo, if given). Writes <out>/plan.json,
<out>/identities.json, <out>/terraform/cdk.tf.json (hand it to terraform apply) and,
with --firmware-repo, <out>/firmware/ (the whole rewritten firmware) and
<out>/rewrite-report.json; then plan.json names the bundle's version, entry point, S3
location, presign role and the public half of --signing-key (made when missing; the
private key never enters the plan). Prints a review summary on stderr and the plan
directory on stdout. The same inputs give the same bytes.`,
    )
    .action(async (flags: PlanFlags, command: Command) => {
      const options = {
        manifestPath: flags.manifest,
        outDir: flags.out,
        hubName: flags.hubName,
        location: flags.location,
        resourceGroup: flags.resourceGroup,
        sku: flags.sku,
        units: flags.units === undefined ? undefined : numberFlag('--units', flags.units, { integer: true }),
        messagesPerDevicePerMinute: numberFlag('--messages-per-minute', flags.messagesPerMinute),
        reconnectMinutes: numberFlag('--reconnect-minutes', flags.reconnectMinutes),
        caVerified: flags.caVerified === true,
        firmwareRepo: flags.firmwareRepo,
        firmwareRelease: {
          version: flags.firmwareVersion,
          entryPoint: flags.firmwareEntry,
          bucket: flags.firmwareBucket,
          presignRoleArn: flags.presignRoleArn,
        },
        signingKeyFile: flags.signingKey,
        waves: {
          canaryPercent: numberFlag('--canary-percent', flags.canaryPercent),
          canaryMinimum: numberFlag('--canary-minimum', flags.canaryMinimum, { integer: true }),
          growthFactor: numberFlag('--wave-growth', flags.waveGrowth),
          maximumWaveSize: numberFlag('--wave-cap', flags.waveCap, { integer: true }),
        },
        rollout: {
          maximumPerMinute: numberFlag('--max-per-minute', flags.maxPerMinute, { integer: true }),
          abortThresholdPercentage: numberFlag('--abort-threshold', flags.abortThreshold),
          abortMinimumExecutedThings:
            flags.abortMinExecuted === undefined ? undefined : numberFlag('--abort-min-executed', flags.abortMinExecuted, { integer: true }),
          inProgressTimeoutMinutes: numberFlag('--in-progress-timeout', flags.inProgressTimeout, { integer: true }),
          numberOfRetries: numberFlag('--retries', flags.retries, { integer: true, zero: true }),
          retryWaves: numberFlag('--retry-waves', flags.retryWaves, { integer: true, zero: true }),
          retryCoolDownSeconds: numberFlag('--retry-cool-down', flags.retryCoolDown, { integer: true, zero: true }),
          azureConnectTimeoutSeconds: numberFlag('--azure-connect-timeout', flags.azureConnectTimeout, { integer: true }),
        },
      };
      await runCommand('plan', globalOptionsOf(command), async ({ emit }) => {
        const { runPlan } = await import('../plan/run-plan.js');
        const result = await runPlan({ ...options, onEvent: emit });
        emit({ type: 'result', command: 'plan', path: result.planDir, lines: result.summaryLines });
        // A thing the plan cannot migrate (an ID Azure rejects, one shared by several things) is a device failed.
        const planned = result.counts.identities ?? 0;
        return { counts: result.counts, fleet: { devices: planned, failed: Math.max(0, (result.counts.things ?? 0) - planned) } };
      });
    });
}

function numberFlag(flag: string, value: string, rules: { integer?: boolean; zero?: boolean } = {}): number {
  const number = Number(value);
  const valid = value.trim() !== '' && Number.isFinite(number) && (rules.zero ? number >= 0 : number > 0) && (!rules.integer || Number.isInteger(number));
  if (!valid) {
    throw new UsageError(`${flag} must be a ${rules.integer ? 'whole ' : ''}number ${rules.zero ? 'of 0 or more' : 'above 0'}, got "${value}"`);
  }
  return number;
}
