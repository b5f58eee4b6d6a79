import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DescribeJobExecutionCommand, IoTClient, ListJobsCommand, ListThingsInThingGroupCommand } from '@aws-sdk/client-iot';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { rolloutPlanDigest } from '../../src/ota/rollout-job-id.js';
import type { Plan } from '../../src/plan/schema.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/start-sandbox.js';
import { CutoverAgent, type AgentFate } from '../support/cutover-agent.js';
import { uniqueLoopbackHost } from '../support/loopback.js';
import { cleanEnv, runCli, startCli, type CliResult } from '../support/run-cli.js';

/**
 * apply's rollout stage end to end: the built CLI (real @aws-sdk/client-iot and
 * azure-iothub inside) against an in-process sandbox, with a tiny update agent per
 * device in this test (mqtt.js on the AWS Jobs MQTT API, azure-iot-device over MQTT on
 * IoT Hub) whose fate per job the test decides. Each case has its own plan (its own
 * canary, hence its own job IDs) and state dir on the same two clouds.
 */
const THERMOSTAT = fileURLToPath(new URL('../../fixtures/firmware-repos/thermostat-v2', import.meta.url));
const THINGS = 8;

let work: string;
let sandbox: Sandbox;
let env: NodeJS.ProcessEnv;
let things: string[];
let basePlanDir: string;
let iot: IoTClient;
let agents: CutoverAgent[] = [];
let fates = new Map<string, (job: number) => AgentFate>();
const host = uniqueLoopbackHost();
let hubHost = uniqueLoopbackHost();
while (hubHost === host) hubHost = uniqueLoopbackHost();

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'iotmigrate-rollout-'));
  sandbox = await startSandbox({ stateDir: join(work, 'sandbox'), host, hubHost, things: THINGS, seed: 7, anomalies: false });
  things = Object.keys(sandbox.store.estate.things).sort();
  env = cleanEnv(sandbox.env);
  iot = new IoTClient({ region: sandbox.region, endpoint: sandbox.endpoints.iotApi, credentials: { accessKeyId: sandbox.env.AWS_ACCESS_KEY_ID!, secretAccessKey: sandbox.env.AWS_SECRET_ACCESS_KEY! } });
  const manifest = join(work, 'manifest.json');
  basePlanDir = join(work, 'plan');
  await cliOk(['detect', '--out', manifest]);
  await cliOk([
    'plan', '--manifest', manifest, '--out', basePlanDir, '--firmware-repo', THERMOSTAT,
    '--retries', '0', '--retry-waves', '1', '--retry-cool-down', '0', '--in-progress-timeout', '5', '--azure-connect-timeout', '4',
  ]);
}, 180_000);

afterEach(async () => {
  await Promise.all(agents.map((agent) => agent.stop()));
  agents = [];
  fates = new Map();
});

afterAll(async () => {
  iot?.destroy();
  await sandbox?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

async function cliOk(args: string[]): Promise<CliResult> {
  const result = await runCli(args, { env });
  if (result.code !== 0) throw new Error(`iotmigrate ${args[0]} exited ${result.code}:\n${result.stderr}`);
  return result;
}

/** A copy of the plan whose canary is `canary` and whose second wave is everything else (and other rollout settings, if given). */
async function planWithCanary(name: string, canary: string[], rollout: Partial<Plan['rollout']> = {}): Promise<{ dir: string; digest: string }> {
  const dir = join(work, `plan-${name}`);
  await cp(basePlanDir, dir, { recursive: true });
  const plan = JSON.parse(await readFile(join(dir, 'plan.json'), 'utf8')) as Plan;
  plan.rollout = { ...plan.rollout, ...rollout };
  plan.waves.list = [
    { index: 1, name: 'canary', deviceIds: canary },
    { index: 2, name: 'wave-2', deviceIds: things.filter((thing) => !canary.includes(thing)) },
  ];
  await writeFile(join(dir, 'plan.json'), JSON.stringify(plan, null, 2));
  return { dir, digest: rolloutPlanDigest(plan) };
}

/** An agent on every device (but those `offline`), each following `fates` (switching to IoT Hub unless told otherwise). */
async function startAgents(stepDelayMs = 50, offline: string[] = []): Promise<void> {
  agents = await Promise.all(
    things.filter((thingName) => !offline.includes(thingName)).map((thingName) =>
      CutoverAgent.start({
        thingName,
        sandboxStateDir: sandbox.stateDir,
        awsHost: host,
        awsPort: sandbox.endpoints.mqttPort,
        hubHost,
        ca: sandbox.cas.root.certificatePem,
        stepDelayMs,
        fate: (job) => fates.get(thingName)?.(job) ?? { kind: 'switch' },
      }),
    ),
  );
}

const applyArgs = (planDir: string, stateDir: string, extra: string[] = []) => ['apply', '--plan', planDir, '--state-dir', stateDir, '--yes', '--json', '--poll-interval', '0.2', ...extra];

interface Event {
  type: string;
  [key: string]: any;
}
const eventsOf = (result: CliResult): Event[] => result.stdout.trim().split('\n').map((line) => JSON.parse(line) as Event);

function deviceRows(stateDir: string): Map<string, { state: string; reason: string | null; rollout_attempts: number; job_id: string | null; firmware_after: string | null; wave: number | null }> {
  const db = new Database(join(stateDir, 'state.db'), { readonly: true });
  try {
    const rows = db.prepare('SELECT device_id, state, reason, rollout_attempts, job_id, firmware_after, wave FROM devices').all() as Array<{ device_id: string } & any>;
    return new Map(rows.map((row) => [row.device_id, row]));
  } finally {
    db.close();
  }
}

async function jobsOf(digest: string): Promise<string[]> {
  const ids: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await iot.send(new ListJobsCommand({ maxResults: 100, ...(nextToken ? { nextToken } : {}) }));
    ids.push(...(page.jobs ?? []).map((job) => job.jobId!).filter((jobId) => jobId.startsWith(`iotmigrate-${digest}-`)));
    nextToken = page.nextToken;
  } while (nextToken);
  return ids.sort();
}

const hubView = (deviceId: string) => {
  const device = sandbox.hub.getDevice(deviceId) as { connectionState: string } | undefined;
  const twin = sandbox.hub.getTwin(deviceId) as { properties: { reported: { firmwareVersion?: string } } } | undefined;
  return { connectionState: device?.connectionState, firmwareVersion: twin?.properties.reported.firmwareVersion };
};

describe('apply: the rollout stage against the sandbox', () => {
  it('verifies only what both clouds agree on, retries stragglers once, then quarantines them on AWS and tells the webhook', async () => {
    const notices: Event[] = [];
    const webhook: Server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        notices.push(JSON.parse(body) as Event);
        response.end();
      });
    });
    await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
    const [a, b, rejecter, flaky, liar] = things as [string, string, string, string, string];
    fates.set(rejecter, () => ({ kind: 'reject', reason: 'battery low' }));
    fates.set(flaky, (job) => (job === 1 ? { kind: 'fail', reason: 'IoT Hub refused the connection' } : { kind: 'switch' }));
    fates.set(liar, () => ({ kind: 'claim-success' }));
    await startAgents();
    const { dir, digest } = await planWithCanary('stragglers', [a, b]);
    const stateDir = join(work, 'state-stragglers');
    const port = (webhook.address() as { port: number }).port;
    try {
      const result = await runCli(applyArgs(dir, stateDir, ['--abort-failure-percent', '50', '--notify-webhook', `http://127.0.0.1:${port}/notices`]), { env });
      expect(result.code, result.stderr).toBe(4);
      const events = eventsOf(result);
      const plan = JSON.parse(await readFile(join(dir, 'plan.json'), 'utf8')) as Plan;
      const version = (plan.firmware as { version: string }).version;

      const rows = deviceRows(stateDir);
      const verified = things.filter((thing) => ![rejecter, liar].includes(thing));
      for (const thing of verified) {
        expect(rows.get(thing), thing).toMatchObject({ state: 'verified', firmware_after: version });
        // Both clouds agree: the hub has it connected on the new firmware...
        expect(hubView(thing)).toEqual({ connectionState: 'Connected', firmwareVersion: version });
      }
      // ...while the device that only claimed success on AWS is not verified.
      expect(rows.get(liar)).toMatchObject({ state: 'installed' });
      expect(hubView(liar).connectionState).toBe('Disconnected');
      expect(rows.get(flaky)).toMatchObject({ state: 'verified', rollout_attempts: 2, wave: 3, job_id: `iotmigrate-${digest}-r1` });
      expect(rows.get(rejecter)).toMatchObject({ state: 'quarantined', reason: 'REJECTED: battery low', rollout_attempts: 2 });

      expect(events).toContainEqual(expect.objectContaining({ type: 'device', deviceId: flaky, state: 'rolled-back', reason: 'FAILED: IoT Hub refused the connection' }));
      expect(events).toContainEqual(expect.objectContaining({ type: 'device', deviceId: rejecter, state: 'quarantined', reason: 'REJECTED: battery low' }));
      expect(events.filter((event) => event.type === 'wave' && event.status === 'finished').map((event) => event.name)).toEqual(['canary', 'wave-2', 'retry-1']);
      const summary = events.at(-1)!;
      expect(summary).toMatchObject({ type: 'summary', exitCode: 4, devices: THINGS, verified: THINGS - 2, quarantined: 1, rolledBack: 0, failed: 1 });
      const resultLines = (events.find((event) => event.type === 'result')!.lines as string[]).join('\n');
      expect(resultLines).toContain('`iotmigrate report` lists each');

      expect(await jobsOf(digest)).toEqual([`iotmigrate-${digest}-r1`, `iotmigrate-${digest}-w1`, `iotmigrate-${digest}-w2`]);
      const group = await iot.send(new ListThingsInThingGroupCommand({ thingGroupName: 'iotmigrate-quarantine' }));
      expect(group.things).toContain(rejecter);
      expect(notices).toEqual([
        { type: 'device-quarantined', deviceId: rejecter, thingName: rejecter, reason: 'REJECTED: battery low', wave: 3, attempts: 2, at: expect.any(String) },
      ]);
      // Nothing is deleted on AWS: the quarantined device is still a thing there, on its old firmware.
      expect(sandbox.store.estate.things[rejecter]).toBeDefined();
    } finally {
      webhook.close();
    }
  }, 120_000);

  it('stops at a wave above the failure threshold, leaves the rest untouched, and continues when run again', async () => {
    const [broken, c, d] = things.slice(5) as [string, string, string];
    let fixed = false;
    fates.set(broken, () => (fixed ? { kind: 'switch' } : { kind: 'fail', reason: 'IoT Hub refused the connection' }));
    await startAgents();
    const { dir, digest } = await planWithCanary('breach', [broken, c, d]);
    const stateDir = join(work, 'state-breach');

    const first = await runCli(applyArgs(dir, stateDir), { env });
    expect(first.code, first.stderr).toBe(4);
    const stopped = eventsOf(first).find((event) => event.type === 'wave' && event.status === 'stopped')!;
    expect(stopped).toMatchObject({ name: 'canary', abortThresholdPercent: 10 });
    const lines = (eventsOf(first).find((event) => event.type === 'result')!.lines as string[]).join('\n');
    expect(lines).toContain('stopped at canary');
    expect(lines).toContain('fix the cause, then run `iotmigrate apply` again');
    const afterStop = deviceRows(stateDir);
    expect(afterStop.get(broken)!.state).toBe('rolled-back');
    const rest = things.filter((thing) => ![broken, c, d].includes(thing));
    for (const thing of rest) expect(afterStop.get(thing)!.state, thing).toBe('identity-created');
    expect(await jobsOf(digest)).toEqual([`iotmigrate-${digest}-w1`]);

    fixed = true;
    const second = await runCli(applyArgs(dir, stateDir), { env });
    expect(second.code, second.stderr).toBe(0);
    for (const [thing, row] of deviceRows(stateDir)) expect(row.state, thing).toBe('verified');
    expect(eventsOf(second).at(-1)).toMatchObject({ type: 'summary', exitCode: 0, verified: THINGS, devices: THINGS });
    const jobs = await jobsOf(digest);
    expect(jobs).toContain(`iotmigrate-${digest}-w2`);
    expect(jobs).toContain(`iotmigrate-${digest}-r1`);
    // The canary's job is made once; a second round only if AWS's abort canceled a device before it started.
    expect(jobs.filter((jobId) => jobId === `iotmigrate-${digest}-w1`)).toHaveLength(1);
  }, 120_000);

  it('survives kill -9 mid-canary and mid-wave: the re-run makes no job twice and ends with every device verified', async () => {
    await startAgents(400);
    const [, , e, f] = things as [string, string, string, string];
    const { dir, digest } = await planWithCanary('killed', [e, f]);
    const stateDir = join(work, 'state-killed');
    const killWhen = async (done: (event: Event) => boolean): Promise<void> => {
      const child = startCli(applyArgs(dir, stateDir), { env });
      let output = '';
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      await new Promise<void>((resolve, reject) => {
        createInterface({ input: child.stdout! }).on('line', (line) => {
          output += line;
          if (done(JSON.parse(line) as Event)) child.kill('SIGKILL');
        });
        child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`apply ended (${code}) before it was killed:\n${output}`))));
      });
    };
    // Mid-canary: its job is running and a device is on its way.
    await killWhen((event) => event.type === 'wave' && event.name === 'canary' && (event.counts.downloading ?? 0) + (event.counts.installed ?? 0) > 0);
    // Mid-wave-2: the canary is through and wave-2's job has been queued.
    await killWhen((event) => event.type === 'wave' && event.name === 'wave-2' && event.status === 'running');
    const last = await runCli(applyArgs(dir, stateDir), { env });
    expect(last.code, last.stderr).toBe(0);
    for (const [thing, row] of deviceRows(stateDir)) expect(row, thing).toMatchObject({ state: 'verified', rollout_attempts: 1 });
    expect(await jobsOf(digest)).toEqual([`iotmigrate-${digest}-w1`, `iotmigrate-${digest}-w2`]);
    // Each device took exactly one job, and none is on AWS any more.
    for (const agent of agents) {
      expect(agent.jobs).toHaveLength(1);
      expect(agent.onAws).toBe(false);
    }
  }, 180_000);

  it('cancels the job of a device that never takes it, so the wave does not wait for ever, and quarantines it', async () => {
    const [g, h, offline] = things.slice(1, 4) as [string, string, string];
    await startAgents(50, [offline]);
    const { dir, digest } = await planWithCanary('offline', [g, h], { inProgressTimeoutMinutes: 1, stragglers: { retryWaves: 0, coolDownSeconds: 0 } });
    const stateDir = join(work, 'state-offline');
    const result = await runCli(applyArgs(dir, stateDir, ['--abort-failure-percent', '50']), { env });
    expect(result.code, result.stderr).toBe(4);
    const reason = 'QUEUED: the device did not take the job within 1 minutes (offline?)';
    expect(deviceRows(stateDir).get(offline)).toMatchObject({ state: 'quarantined', reason });
    expect(eventsOf(result).at(-1)).toMatchObject({ verified: THINGS - 1, quarantined: 1 });
    const { execution } = await iot.send(new DescribeJobExecutionCommand({ jobId: `iotmigrate-${digest}-w2`, thingName: offline }));
    expect(execution?.status).toBe('CANCELED');
  }, 180_000);
  it('refuses rollout flags AWS would refuse before anything is written (exit 2)', async () => {
    const stateDir = join(work, 'state-bad-flags');
    const tooFast = await runCli(applyArgs(basePlanDir, stateDir, ['--max-per-minute', '5000']), { env });
    expect(tooFast.code).toBe(2);
    expect(tooFast.stderr).toContain('--max-per-minute must be a whole number from 1 to 1000 (the AWS IoT Jobs limit)');
    const webhook = await runCli(applyArgs(basePlanDir, stateDir, ['--notify-webhook', 'not a url']), { env });
    expect(webhook.code).toBe(2);
    expect(webhook.stderr).toContain('--notify-webhook must be an http(s) URL');
    await expect(readFile(join(stateDir, 'state.db'))).rejects.toThrow(/ENOENT/);
  });
});
