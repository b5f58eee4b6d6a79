import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
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
let sandbox: Sandbox | undefined;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'iotmigrate-cutover-'));
});

afterEach(async () => {
  await sandbox?.stop();
  sandbox = undefined;
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

/** A sandbox of its own for each case, with the simulated fleet on AWS, and the CLI's environment pointed at it. */
async function fleetSandbox(name: string, things: number): Promise<Sandbox> {
  const host = uniqueLoopbackHost();
  let hubHost = uniqueLoopbackHost();
  while (hubHost === host) hubHost = uniqueLoopbackHost();
  const started = await startSandbox({ stateDir: join(work, name, 'sandbox'), host, hubHost, things, seed: 3, anomalies: false, fleet: { telemetryIntervalMs: 1_000 } });
  sandbox = started;
  env = cleanEnv(started.env);
  await waitFor(async () => started.fleet!.status().onAws === things, 'the fleet on AWS');
  return started;
}

async function waitFor(done: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function cli(name: string, args: string[]): Promise<CliResult> {
  return runCli(args, { env, cwd: join(work, name) });
}

describe('detect → plan → apply on a simulated fleet', () => {
  it('moves every device to IoT Hub under its own ID: verified on both clouds, telemetry on Azure, none left on AWS', async () => {
    const sandbox = await fleetSandbox('all', DEVICES);
    const things = Object.keys(sandbox.store.estate.things).sort();
    const detect = await cli('all', ['detect']);
    expect(detect.code, detect.stderr).toBe(0);
    const plan = await cli('all', [
      'plan', '--firmware-repo', THERMOSTAT,
      '--canary-percent', '5', '--canary-minimum', '5', '--wave-growth', '4',
      '--retries', '1', '--retry-waves', '1', '--retry-cool-down', '3', '--in-progress-timeout', '5', '--azure-connect-timeout', '60',
    ]);
    expect(plan.code, plan.stderr).toBe(0);

    const apply = await cli('all', ['apply', '--yes', '--json', '--poll-interval', '1']);
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
    expect(sandbox.fleet!.status()).toMatchObject({ devices: DEVICES, onAzure: DEVICES, onAws: 0 });
  }, 300_000);
  it('rolls the devices IoT Hub refuses back to AWS on their old firmware, retries them, then quarantines them with the reason', async () => {
    const sandbox = await fleetSandbox('refused', 20);
    const things = Object.keys(sandbox.store.estate.things).sort();
    const refused = [things[3]!, things[12]!];
    sandbox.hub.refuseDevices(refused, 'IoT Hub is refusing this device for the test');
    expect((await cli('refused', ['detect'])).code).toBe(0);
    const plan = await cli('refused', [
      'plan', '--firmware-repo', THERMOSTAT,
      '--canary-percent', '25', '--canary-minimum', '5', '--wave-growth', '4',
      '--retries', '0', '--retry-waves', '1', '--retry-cool-down', '1', '--in-progress-timeout', '5', '--azure-connect-timeout', '5',
    ]);
    expect(plan.code, plan.stderr).toBe(0);

    const apply = await cli('refused', ['apply', '--yes', '--json', '--poll-interval', '1', '--abort-failure-percent', '50']);
    expect(apply.code, apply.stderr + apply.stdout.slice(-4000)).toBe(4);
    const events = apply.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, any>);
    expect(events.at(-1)).toMatchObject({ type: 'summary', exitCode: 4, devices: 20, verified: 18, quarantined: 2, rolledBack: 0 });
    for (const deviceId of refused) {
      const rolledBack = events.filter((event) => event.type === 'device' && event.deviceId === deviceId);
      // Rolled back by its wave, again by the retry wave, then quarantined: each time with the agent's reason.
      expect(rolledBack.map((event) => event.state)).toEqual(['rolled-back', 'rolled-back', 'quarantined']);
      for (const event of rolledBack) expect(event.reason).toMatch(/^FAILED/);
    }
    expect(events.filter((event) => event.type === 'wave' && event.status === 'finished').at(-1)).toMatchObject({ name: 'retry-1', counts: { 'rolled-back': 2 } });
    // Never bricked, never lost: back on AWS, on the firmware they ran before, in the quarantine group.
    await waitFor(async () => sandbox.fleet!.status().onAws === 2, 'the refused devices back on AWS');
    const version = (JSON.parse(await readFile(join(work, 'refused', 'plan', 'plan.json'), 'utf8')) as { firmware: { version: string } }).firmware.version;
    const status = sandbox.fleet!.status();
    expect(status).toMatchObject({ onAzure: 18, onAws: 2 });
    expect(status.firmwareVersions[version]).toBe(18);
    expect([...sandbox.store.estate.thingGroups['iotmigrate-quarantine']!.members].sort()).toEqual([...refused].sort());
  }, 300_000);
});
