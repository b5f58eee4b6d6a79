import { basename, dirname, join } from 'node:path';
import type { ApplyStage, RolloutControl } from '../apply/apply-stage.js';
import { runApply } from '../apply/run-apply.js';
import { readHubConnectionString } from '../azure/hub-connection-string.js';
import { buildApplyStages } from '../commands/apply-stages.js';
import { runDetect } from '../detect/run-detect.js';
import { ExitCode } from '../errors.js';
import { runPlan } from '../plan/run-plan.js';
import type { EmitProgress } from '../progress/events.js';
import { fleetSummaryOf, type FleetSummary } from '../progress/fleet-summary.js';
import { runReport } from '../report/run-report.js';
import { startDetachedSandbox } from '../sandbox/sandbox-daemon.js';
import { startSandbox, type Sandbox } from '../sandbox/start-sandbox.js';
import { demoPaths } from './demo-paths.js';
import { DEMO_FIRMWARE_RELEASE, DEMO_FIRMWARE_REPO, DEMO_PLAN_SETTINGS, DEMO_POLL_INTERVAL_SECONDS } from './demo-plan-settings.js';

export interface RunDemoOptions {
  devices: number;
  /** Everything the demo makes goes in here: sandbox/, manifest.json, plan/, state/, report.html. */
  stateDir: string;
  /** Leave the sandbox running (detached) for the user to explore. */
  keep: boolean;
  host: string;
  hubHost: string;
  emit: EmitProgress;
  signal: AbortSignal;
  control: RolloutControl;
}

export interface DemoResult {
  reportPath: string;
  lines: string[];
  counts: Record<string, number>;
  fleet: FleetSummary;
  exitCode: ExitCode;
}

/**
 * `iotmigrate demo`: the whole product on a local sandbox, the same cores the commands
 * call: sandbox up with a simulated fleet, detect, plan (the firmware rewritten for IoT
 * Hub), apply every stage without asking, the HTML report. The process must already
 * trust the sandbox CA (see relaunch-trusting-ca.ts).
 */
export async function runDemo(options: RunDemoOptions): Promise<DemoResult> {
  const paths = demoPaths(options.stateDir);
  const { emit, signal } = options;
  const sandbox = await startSandbox({
    stateDir: paths.sandbox,
    host: options.host,
    hubHost: options.hubHost,
    things: options.devices,
    // A tidy fleet, so every device can make it: a thing without a certificate or with a
    // revoked one is left behind by design, which the README's walkthrough shows instead.
    anomalies: false,
    // One simulated device per thing, running the AWS flavour of the firmware the plan rewrites.
    fleet: { firmwareDir: DEMO_FIRMWARE_REPO },
    onEvent: emit,
  });
  let handedOver = false;
  try {
    // The SDKs read endpoints and credentials from the environment, as for any user of the sandbox.
    Object.assign(process.env, sandbox.env);
    signal.throwIfAborted();

    const detected = await runDetect({
      out: paths.manifest,
      firmwareRepos: [DEMO_FIRMWARE_REPO],
      resume: 'never',
      checkpointFile: join(dirname(paths.manifest), `.${basename(paths.manifest)}.checkpoint.json`),
      shadows: true,
      signal,
      onEvent: emit,
    });
    signal.throwIfAborted();

    const planned = await runPlan({
      ...DEMO_PLAN_SETTINGS,
      manifestPath: detected.manifestPath,
      outDir: paths.plan,
      firmwareRepo: DEMO_FIRMWARE_REPO,
      firmwareRelease: DEMO_FIRMWARE_RELEASE,
      signingKeyFile: sandbox.firmwareSigningKeyFile,
      onEvent: emit,
    });
    signal.throwIfAborted();

    const apply = await demoApplyStages(sandbox);
    const applied = await runApply({
      planDir: planned.planDir,
      stateDir: paths.applyState,
      hubHostName: sandbox.hub.hostName,
      stages: apply.stages,
      confirm: async () => true,
      emit,
      signal,
      control: options.control,
    }).finally(() => apply.close());

    await runReport({ stateDir: paths.applyState, planDir: planned.planDir, planRequired: true, format: 'html', out: paths.report, stdout: process.stdout });

    const fleet = fleetSummaryOf(applied.counts);
    const lines = [
      `Demo: ${fleet.verified} of ${fleet.devices} devices moved from the AWS IoT sandbox to the IoT Hub sandbox`,
      `  verified ${fleet.verified} · rolled back ${fleet.rolledBack} · quarantined ${fleet.quarantined} · failed ${fleet.failed}`,
      `  manifest ${paths.manifest}`,
      `  plan     ${paths.plan}`,
      `  report   ${paths.report}`,
    ];
    if (options.keep) {
      await sandbox.stop();
      handedOver = true;
      await keepRunningDetached(options);
      lines.push(
        `The sandbox keeps running from ${paths.sandbox}. Reach it with:`,
        `  eval "$(iotmigrate sandbox env --state-dir ${paths.sandbox})"`,
        `and stop it with: iotmigrate sandbox down --state-dir ${paths.sandbox}`,
      );
    }
    return {
      reportPath: paths.report,
      lines,
      counts: { ...detected.counts, ...planned.counts, ...applied.counts },
      fleet,
      exitCode: applied.exitCode,
    };
  } finally {
    if (!handedOver) await sandbox.stop();
  }
}

/**
 * The stages `apply` runs, built as the apply command builds them, over the in-process
 * sandbox: its hub, the vendor key the fleet trusts, S3 and AWS IoT from the environment
 * the sandbox set, with the demo's quick poll of both clouds.
 */
async function demoApplyStages(sandbox: Sandbox): Promise<{ stages: ApplyStage[]; close(): void }> {
  const connectionString = sandbox.env.IOTHUB_CONNECTION_STRING!;
  const reading = readHubConnectionString(connectionString);
  if (!reading.ok) throw new Error(`the sandbox's own connection string is unusable: ${reading.problem}`);
  return buildApplyStages({
    connectionString,
    hostName: reading.connection.hostName,
    concurrency: 4,
    signingKeyFile: sandbox.firmwareSigningKeyFile,
    rollout: { overrides: { pollIntervalSeconds: DEMO_POLL_INTERVAL_SECONDS }, notifyWebhook: undefined },
  });
}

/** `--keep`: the same sandbox (its estate, hub and fleet are on disk) goes on in a detached `sandbox up`. */
async function keepRunningDetached(options: RunDemoOptions): Promise<void> {
  const sandboxDir = demoPaths(options.stateDir).sandbox;
  await startDetachedSandbox(sandboxDir, ['sandbox', 'up', '--state-dir', sandboxDir, '--host', options.host, '--hub-host', options.hubHost]);
}
