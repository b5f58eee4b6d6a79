import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/start-sandbox.js';
import { eventually } from '../support/eventually.js';
import { uniqueLoopbackHost } from '../support/loopback.js';
import { cleanEnv, runCli, type CliResult } from '../support/run-cli.js';

/**
 * The migration as CI runs it (issue #5): a sandbox with 50 simulated devices running
 * the AWS firmware, then the built CLI's detect, plan with the thermostat firmware
 * rewritten for IoT Hub, and apply --yes through every stage. Each device's own update
 * agent downloads, verifies and installs the signed bundle and switches itself over.
 */
const THERMOSTAT = fileURLToPath(new URL('../../fixtures/firmware-repos/thermostat-v2', import.meta.url));
const DEVICES = 50;

let work: string;
let sandbox: Sandbox;
let env: NodeJS.ProcessEnv;
const host = uniqueLoopbackHost();
let hubHost = uniqueLoopbackHost();
while (hubHost === host) hubHost = uniqueLoopbackHost();

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'iotmigrate-cutover-'));
  sandbox = await startSandbox({ stateDir: join(work, 'sandbox'), host, hubHost, things: DEVICES, seed: 3, anomalies: false, fleet: { telemetryIntervalMs: 1_000 } });
  env = cleanEnv(sandbox.env);
}, 120_000);

afterAll(async () => {
  await sandbox?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

async function waitFor(done: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function cli(args: string[]): Promise<CliResult> {
  return runCli(args, { env, cwd: work });
}

describe('detect → plan → apply on a simulated fleet of 50', () => {
  it('moves every device to IoT Hub under its own ID: verified on both clouds, telemetry on Azure, none left on AWS', async () => {
    const things = Object.keys(sandbox.store.estate.things).sort();
    await waitFor(async () => (await sandbox.fleet!.status()).onAws === DEVICES, 'the fleet on AWS');

    const detect = await cli(['detect']);
    expect(detect.code, detect.stderr).toBe(0);
    const plan = await cli([
      'plan', '--firmware-repo', THERMOSTAT,
      '--canary-percent', '5', '--canary-minimum', '5', '--wave-growth', '4',
      '--retries', '1', '--retry-waves', '1', '--retry-cool-down', '3', '--in-progress-timeout', '5', '--azure-connect-timeout', '60',
    ]);
    expect(plan.code, plan.stderr).toBe(0);

    const apply = await cli(['apply', '--yes', '--json', '--poll-interval', '1']);
    expect(apply.code, apply.stderr + apply.stdout.slice(-4000)).toBe(0);
    const events = apply.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, any>);
    expect(events.at(-1)).toMatchObject({ type: 'summary', exitCode: 0, devices: DEVICES, verified: DEVICES, rolledBack: 0, quarantined: 0, failed: 0 });
    const finished = events.filter((event) => event.type === 'wave' && event.status === 'finished');
    expect(finished[0]).toMatchObject({ name: 'canary', successPercent: 100 });
    expect(finished.reduce((sum, event) => sum + (event.counts.verified ?? 0), 0)).toBe(DEVICES);

    // Same IDs on Azure as on AWS, each connected with the firmware it reports.
    expect(sandbox.hub.listDeviceIds()).toEqual(things);
    for (const thing of things) expect((sandbox.hub.getDevice(thing) as { connectionState: string }).connectionState, thing).toBe('Connected');
    // Telemetry now arrives on Azure from every device...
    const mark = sandbox.hub.events().at(-1)?.sequenceNumber ?? 0;
    await eventually(
      () => (things.every((thing) => sandbox.hub.events({ deviceId: thing, after: mark }).length > 0) ? true : undefined),
      'telemetry from every device on IoT Hub',
      30_000,
    );
    // ...and none is connected to AWS any more.
    await eventually(() => (sandbox.awsClients().length === 0 ? true : undefined), 'no device left on AWS', 30_000);
    expect(await sandbox.fleet!.status()).toMatchObject({ devices: DEVICES, onAzure: DEVICES, onAws: 0 });
  }, 300_000);
});
