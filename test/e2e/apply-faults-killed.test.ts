import { mkdtemp, rm } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IoTClient, ListJobsCommand } from '@aws-sdk/client-iot';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAULT_KINDS } from '../../src/sandbox/faults.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/start-sandbox.js';
import { uniqueLoopbackHost } from '../support/loopback.js';
import { cleanEnv, runCli, startCli } from '../support/run-cli.js';

/**
 * A rehearsal with everything going wrong at once (issue #5): the simulated fleet on a
 * sandbox injecting every fault kind at 5–8% (downloads cut and corrupted, IoT Hub
 * refusing connections, the AWS control plane throttling, devices dropping off the
 * network), and apply killed with SIGKILL twice mid-rollout before a third run finishes.
 * Every device must end verified or quarantined with a reason: none lost in between,
 * none registered or rolled out twice.
 */
const THERMOSTAT = fileURLToPath(new URL('../../fixtures/firmware-repos/thermostat-v2', import.meta.url));
const DEVICES = 30;

let work: string;
let sandbox: Sandbox;
let env: NodeJS.ProcessEnv;
const host = uniqueLoopbackHost();
let hubHost = uniqueLoopbackHost();
while (hubHost === host) hubHost = uniqueLoopbackHost();

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'iotmigrate-faults-apply-'));
  sandbox = await startSandbox({
    stateDir: join(work, 'sandbox'),
    host,
    hubHost,
    things: DEVICES,
    seed: 5,
    anomalies: false,
    faults: { 'download-drop': 0.08, 'bundle-corrupt': 0.05, 'azure-refuse': 0.08, 'api-throttle': 0.05, 'device-offline': 0.05 },
    fleet: { telemetryIntervalMs: 2_000 },
  });
  env = cleanEnv(sandbox.env);
}, 120_000);

afterAll(async () => {
  await sandbox?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

interface Event {
  type: string;
  [key: string]: any;
}

/** Starts apply and kills it with SIGKILL at the first event `when` accepts; resolves false if apply ended first. */
function applyKilledWhen(args: string[], when: (event: Event) => boolean): Promise<boolean> {
  const child = startCli(args, { env, cwd: work });
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (when(JSON.parse(line) as Event)) child.kill('SIGKILL');
  });
  return new Promise((resolve, reject) => {
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(true);
      else if (code === 0 || code === 4) resolve(false);
      else reject(new Error(`apply exited ${code}:\n${output}`));
    });
  });
}

describe('apply under every fault kind, killed twice', () => {
  it('ends with every device verified or quarantined with a reason, none lost, none duplicated', async () => {
    const things = Object.keys(sandbox.store.estate.things).sort();
    expect((await runCli(['detect'], { env, cwd: work })).code).toBe(0);
    const plan = await runCli(
      [
        'plan', '--firmware-repo', THERMOSTAT,
        '--canary-percent', '10', '--canary-minimum', '3', '--wave-growth', '3',
        '--retries', '1', '--retry-waves', '2', '--retry-cool-down', '2', '--in-progress-timeout', '1', '--azure-connect-timeout', '20',
      ],
      { env, cwd: work },
    );
    expect(plan.code, plan.stderr).toBe(0);

    // Failures are expected here: the gate only stops a wave that is mostly failing.
    const args = ['apply', '--yes', '--json', '--poll-interval', '0.5', '--abort-failure-percent', '60'];
    const progressed = (event: Event) => event.type === 'wave' && ((event.counts.downloading ?? 0) + (event.counts.installed ?? 0) + (event.counts.verified ?? 0) > 0);
    const kills = [
      await applyKilledWhen(args, (event) => event.name === 'canary' && progressed(event)),
      await applyKilledWhen(args, (event) => event.wave >= 2 && progressed(event)),
    ];
    const last = await runCli(args, { env, cwd: work });
    expect([0, 4], last.stderr).toContain(last.code);
    expect(kills).toEqual([true, true]);

    const db = new Database(join(work, '.iotmigrate', 'state.db'), { readonly: true });
    const rows = db.prepare('SELECT device_id, state, reason, rollout_attempts FROM devices ORDER BY device_id').all() as Array<{ device_id: string; state: string; reason: string | null; rollout_attempts: number }>;
    db.close();
    // None lost: every device is accounted for, and each that is not on IoT Hub says why.
    expect(rows.map((row) => row.device_id)).toEqual(things);
    for (const row of rows) {
      expect(['verified', 'quarantined'], `${row.device_id} is ${row.state}`).toContain(row.state);
      if (row.state === 'quarantined') expect(row.reason, row.device_id).toBeTruthy();
      // A first wave and at most two retry waves: never a job more.
      expect(row.rollout_attempts).toBeLessThanOrEqual(3);
    }
    const verified = rows.filter((row) => row.state === 'verified').length;
    const summary = JSON.parse(last.stdout.trim().split('\n').at(-1)!) as Event;
    expect(summary).toMatchObject({ type: 'summary', devices: DEVICES, verified, quarantined: DEVICES - verified });
    expect(verified).toBeGreaterThan(DEVICES / 2);

    // None duplicated: one identity per device on the hub, one job per wave (or retry wave) on AWS.
    expect(sandbox.hub.listDeviceIds()).toEqual(things);
    const iot = new IoTClient({ region: sandbox.region, endpoint: sandbox.endpoints.iotApi, credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! }, maxAttempts: 10 });
    const { jobs } = await iot.send(new ListJobsCommand({ maxResults: 100 }));
    iot.destroy();
    const jobIds = (jobs ?? []).map((job) => job.jobId!).filter((jobId) => jobId.startsWith('iotmigrate-'));
    for (const jobId of jobIds) expect(jobId).toMatch(/^iotmigrate-[0-9a-f]{8}-(w\d+|r[12])$/);
    // The faults did happen.
    expect(FAULT_KINDS.filter((kind) => sandbox.faults.struck(kind) > 0).length).toBeGreaterThanOrEqual(3);
  }, 600_000);
});
