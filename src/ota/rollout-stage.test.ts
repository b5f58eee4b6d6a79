import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StageContext } from '../apply/apply-stage.js';
import { createRolloutControl } from '../apply/rollout-control.js';
import type { LoadedPlan } from '../plan/load-plan-directory.js';
import type { Identity, Plan } from '../plan/schema.js';
import type { ProgressEvent } from '../progress/events.js';
import { StateStore } from '../state/state-store.js';
import { FakeClouds } from './rollout-cloud.fixture.js';
import { rolloutPlanDigest } from './rollout-job-id.js';
import { QUARANTINE_GROUP } from './rollout-quarantine.js';
import { rolloutStage } from './rollout-stage.js';

const VERSION = '2.0.0-azure';
let dir: string;
let store: StateStore;
let clouds: FakeClouds;
let events: ProgressEvent[];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iotmigrate-rollout-stage-'));
  clouds = new FakeClouds(VERSION);
  // The store records on the clouds' clock, which the stage's waits move forward.
  store = StateStore.open(dir, { now: () => new Date(clouds.clock * 1000) });
  events = [];
});

afterEach(async () => {
  store.close();
  await rm(dir, { recursive: true, force: true });
});

const ids = (from: number, count: number) => Array.from({ length: count }, (_, index) => `dev-${String(from + index).padStart(3, '0')}`);

function identityOf(deviceId: string): Identity {
  return {
    deviceId,
    thingName: deviceId,
    authentication: { type: 'selfSigned', primaryThumbprint: 'A'.repeat(64), secondaryThumbprint: 'A'.repeat(64) },
    certificates: [],
    flags: [],
    twin: { tags: {}, desired: {} },
    reportedAtSource: { classic: { firmwareVersion: '1.0.0' }, named: {} },
  };
}

/** A plan with the given waves (sizes) and rollout settings; every device already has its identity. */
function planWith(sizes: number[], rollout: Partial<Plan['rollout']> = {}): LoadedPlan {
  let next = 0;
  const list = sizes.map((size, index) => {
    const deviceIds = ids(next, size);
    next += size;
    return { index: index + 1, name: index === 0 ? 'canary' : `wave-${index + 1}`, deviceIds };
  });
  const plan = {
    source: { accountId: '123456789012', region: 'eu-west-1', dataEndpoint: 'x', things: next },
    firmware: { status: 'planned' },
    waves: { canaryPercent: 1, canaryMinimum: 1, growthFactor: 2, maximumWaveSize: 1000, list },
    rollout: {
      maximumPerMinute: 1000,
      abort: { failureType: 'ALL', thresholdPercentage: 10, minimumExecutedThings: 50 },
      inProgressTimeoutMinutes: 30,
      retries: { failureTypes: ['FAILED'], numberOfRetries: 0 },
      stragglers: { retryWaves: 1, coolDownSeconds: 0 },
      azureConnectTimeoutSeconds: 60,
      ...rollout,
    },
  } as unknown as Plan;
  const identities = ids(0, next).map(identityOf);
  store.enrol(identities.map((identity) => identity.deviceId));
  store.record(identities.map((identity) => ({ deviceId: identity.deviceId, event: { type: 'identity-ensured', outcome: 'created', digest: 'd' } })));
  return { dir: 'plan', plan, identities };
}

function contextFor(plan: LoadedPlan, signal = new AbortController().signal): StageContext {
  return { plan, store, stateDir: dir, emit: (event) => events.push(event), signal, control: createRolloutControl() };
}

function stage(options: { notifyWebhook?: string } = {}) {
  return rolloutStage({
    overrides: { pollIntervalSeconds: 0.01 },
    cutover: async () => ({ firmwareVersion: VERSION, documentFor: (deviceIds) => JSON.stringify({ deviceIds }), presignRoleArn: undefined }),
    jobsFor: async () => clouds.rolloutJobs(),
    hubFor: () => clouds.hub(),
    notifyWebhook: options.notifyWebhook,
    now: () => clouds.clock * 1000,
    sleep: async (ms) => {
      clouds.clock += ms / 1000;
      // Lets timers (a test's own clock moves, the pause switch) have their turn.
      await new Promise((resolve) => setImmediate(resolve));
    },
  });
}

const waveEvents = () => events.filter((event): event is Extract<ProgressEvent, { type: 'wave' }> => event.type === 'wave');
const statesOf = (deviceIds: readonly string[]) => deviceIds.map((deviceId) => store.get(deviceId)!.state);

describe('rolloutStage', () => {
  it('takes every wave through its own job, canary first, and verifies each device on both clouds', async () => {
    const plan = planWith([2, 4, 6]);
    const outcome = await stage().run(contextFor(plan));
    const digest = rolloutPlanDigest(plan.plan);
    expect(clouds.created).toEqual([`iotmigrate-${digest}-w1`, `iotmigrate-${digest}-w2`, `iotmigrate-${digest}-w3`]);
    expect(outcome.notDone).toEqual([]);
    expect(outcome.counts).toMatchObject({ verified: 12, rolledBack: 0, quarantined: 0, jobsCreated: 3, stopped: 0 });
    expect(store.get('dev-005')).toMatchObject({ state: 'verified', wave: 2, firmwareBefore: '1.0.0', firmwareAfter: VERSION, rolloutAttempts: 1 });
    expect(waveEvents().filter((event) => event.status === 'finished').map((event) => [event.name, event.successPercent])).toEqual([
      ['canary', 100],
      ['wave-2', 100],
      ['wave-3', 100],
    ]);
    expect(events.filter((event) => event.type === 'progress').at(-1)).toMatchObject({ stage: 'rollout', resource: 'devices', done: 12, total: 12 });

    // A second run has nothing to do and makes no job.
    expect(stage().preview(contextFor(plan)).writes).toBe(false);
    await stage().run(contextFor(plan));
    expect(clouds.created).toHaveLength(3);
  });

  it('holds a device whose execution SUCCEEDED until IoT Hub agrees, and reports it unconfirmed when it never does', async () => {
    const plan = planWith([3], { stragglers: { retryWaves: 0, coolDownSeconds: 0 } });
    clouds.behave(['dev-001'], { kind: 'succeed-unseen' });
    const run = stage().run(contextFor(plan));
    // The grace (the agent's IoT Hub timeout) runs out a minute later.
    setTimeout(() => (clouds.clock += 61), 50);
    const outcome = await run;
    expect(statesOf(['dev-000', 'dev-001', 'dev-002'])).toEqual(['verified', 'installed', 'verified']);
    expect(outcome.notDone).toEqual([{ deviceId: 'dev-001', reason: 'AWS job execution SUCCEEDED, but the device is not on IoT Hub' }]);
    expect(outcome.counts).toMatchObject({ verified: 2, unconfirmed: 1, failed: 1 });
    // The report reads the disagreement from the store.
    expect(store.get('dev-001')).toMatchObject({ state: 'installed', reason: 'AWS job execution SUCCEEDED, but the device is not on IoT Hub' });
  });

  it('stops when a wave breaches the failure threshold, leaves the rest untouched, and goes on when run again', async () => {
    const plan = planWith([2, 4]);
    clouds.behave(['dev-001'], { kind: 'fail', reason: 'IoT Hub not reached within 60 s' });
    const first = await stage().run(contextFor(plan));
    expect(statesOf(ids(0, 6))).toEqual(['verified', 'rolled-back', 'identity-created', 'identity-created', 'identity-created', 'identity-created']);
    expect(waveEvents().at(-1)).toMatchObject({ name: 'canary', status: 'stopped', reason: '1 of 2 devices of canary rolled back (50%), above the 10% threshold' });
    expect(first.counts).toMatchObject({ stopped: 1, verified: 1, rolledBack: 1, notReached: 4 });
    expect(first.lines.join('\n')).toContain('fix the cause, then run `iotmigrate apply` again');
    expect(events).toContainEqual({ type: 'device', deviceId: 'dev-001', state: 'rolled-back', reason: 'FAILED: IoT Hub not reached within 60 s' });
    expect(clouds.created).toHaveLength(1);

    // The operator fixed the hub: the next run continues with wave-2 and retries the canary's failure.
    clouds.behave(['dev-001'], { kind: 'succeed' });
    events = [];
    const second = await stage().run(contextFor(plan));
    expect(statesOf(ids(0, 6))).toEqual(Array(6).fill('verified'));
    expect(second.notDone).toEqual([]);
    expect(clouds.created.map((jobId) => jobId.slice(-3))).toEqual(['-w1', '-w2', '-r1']);
    expect(store.get('dev-001')).toMatchObject({ wave: 3, rolloutAttempts: 2 });
    expect(events).toContainEqual(expect.objectContaining({ type: 'log', message: expect.stringContaining('continuing after the stop at canary') }));
  });

  it('stops when AWS aborts a job, and gives the devices it never notified a new job next time', async () => {
    const plan = planWith([10], { abort: { failureType: 'ALL', thresholdPercentage: 10, minimumExecutedThings: 5 } });
    clouds.behave(['dev-000'], { kind: 'reject', reason: 'battery low' });
    await stage().run(contextFor(plan));
    const stopped = waveEvents().at(-1)!;
    expect(stopped).toMatchObject({ status: 'stopped' });
    expect(stopped.reason).toMatch(/^AWS stopped canary before 9 of its devices started: Aborted: /);
    expect(statesOf(['dev-000', 'dev-001'])).toEqual(['rolled-back', 'identity-created']);
    expect(store.get('dev-001')!.reason).toContain('Aborted');

    const second = await stage().run(contextFor(plan));
    const digest = rolloutPlanDigest(plan.plan);
    expect(clouds.created).toEqual([`iotmigrate-${digest}-w1`, `iotmigrate-${digest}-w1-2`, `iotmigrate-${digest}-r1`]);
    // dev-000 keeps rejecting: retried once, then quarantined.
    expect(store.get('dev-000')).toMatchObject({ state: 'quarantined', reason: 'REJECTED: battery low', rolloutAttempts: 2 });
    expect(second.counts).toMatchObject({ verified: 9, quarantined: 1 });
  });

  it('retries stragglers after the cool-down, then quarantines them on AWS and tells the webhook', async () => {
    const received: unknown[] = [];
    const server: Server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        received.push(JSON.parse(body));
        response.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const plan = planWith([10], { stragglers: { retryWaves: 2, coolDownSeconds: 30 } });
      clouds.behave(['dev-004'], { kind: 'fail', reason: 'signature check failed' });
      const outcome = await stage({ notifyWebhook: `http://127.0.0.1:${port}/hook` }).run(contextFor(plan));
      expect(clouds.created.map((jobId) => jobId.slice(-3))).toEqual(['-w1', '-r1', '-r2']);
      // Each retry wave waited out its cool-down after the rollback before it.
      const rollbacks = store.history('dev-004').filter((step) => step.to === 'rolled-back').map((step) => Date.parse(step.at) / 1000);
      const retries = clouds.created.slice(1).map((jobId) => clouds.jobs.get(jobId)!.createdAt);
      expect(rollbacks).toHaveLength(3);
      expect(retries[0]! - rollbacks[0]!).toBeGreaterThanOrEqual(30);
      expect(retries[1]! - rollbacks[1]!).toBeGreaterThanOrEqual(30);
      expect(store.get('dev-004')).toMatchObject({ state: 'quarantined', reason: 'FAILED: signature check failed', rolloutAttempts: 3, wave: 3 });
      expect(clouds.groups.get(QUARANTINE_GROUP)).toEqual(new Set(['dev-004']));
      expect(received).toEqual([
        { type: 'device-quarantined', deviceId: 'dev-004', thingName: 'dev-004', reason: 'FAILED: signature check failed', wave: 3, attempts: 3, at: expect.any(String) },
      ]);
      expect(events).toContainEqual({ type: 'device', deviceId: 'dev-004', state: 'quarantined', reason: 'FAILED: signature check failed' });
      expect(outcome.notDone).toEqual([{ deviceId: 'dev-004', reason: 'FAILED: signature check failed' }]);
      expect(waveEvents().filter((event) => event.status === 'finished').map((event) => event.name)).toEqual(['canary', 'retry-1', 'retry-2']);
    } finally {
      server.close();
    }
  });

  it('does not wait for ever on a device that never takes its job: cancelled, retried, then quarantined', async () => {
    const plan = planWith([5], { inProgressTimeoutMinutes: 1, abort: { failureType: 'ALL', thresholdPercentage: 50, minimumExecutedThings: 50 } });
    clouds.behave(['dev-002'], { kind: 'offline' });
    const ticker = setInterval(() => (clouds.clock += 5), 5);
    const outcome = await stage()
      .run(contextFor(plan))
      .finally(() => clearInterval(ticker));
    const reason = 'QUEUED: the device did not take the job within 1 minutes (offline?)';
    expect(store.get('dev-002')).toMatchObject({ state: 'quarantined', reason, rolloutAttempts: 2 });
    expect(events).toContainEqual({ type: 'device', deviceId: 'dev-002', state: 'rolled-back', reason });
    // Its executions were cancelled, so it cannot take a stale job when it comes back.
    for (const job of clouds.jobs.values()) expect(job.executions['dev-002']?.status).toBe('CANCELED');
    expect(outcome.counts).toMatchObject({ verified: 4, quarantined: 1 });
  });

  it('lists a wave\'s executions again only when the job\'s counts moved, or after a few polls', async () => {
    const plan = planWith([10], { inProgressTimeoutMinutes: 1, stragglers: { retryWaves: 0, coolDownSeconds: 0 } });
    clouds.countsExecutions = true;
    clouds.behave(['dev-001'], { kind: 'stall', step: 'installing' });
    const ticker = setInterval(() => (clouds.clock += 1), 5);
    const outcome = await stage()
      .run(contextFor(plan))
      .finally(() => clearInterval(ticker));
    // The stalled device holds the wave for a minute of AWS time, many polls with nothing new.
    expect(store.get('dev-001')).toMatchObject({ state: 'quarantined' });
    expect(outcome.counts).toMatchObject({ verified: 9, quarantined: 1 });
    expect(clouds.describeCalls).toBeGreaterThan(20);
    expect(clouds.listCalls).toBeLessThan(clouds.describeCalls / 3);
  });

  it('warns, and goes on, when the webhook cannot be reached', async () => {
    const plan = planWith([10], { stragglers: { retryWaves: 0, coolDownSeconds: 0 } });
    clouds.behave(['dev-004'], { kind: 'fail', reason: 'no space left' });
    const outcome = await stage({ notifyWebhook: 'http://127.0.0.1:9/unreachable' }).run(contextFor(plan));
    expect(store.get('dev-004')!.state).toBe('quarantined');
    expect(events).toContainEqual(expect.objectContaining({ type: 'warning', code: 'webhook-failed', subject: 'dev-004' }));
    expect(outcome.counts).toMatchObject({ quarantined: 1 });
  });

  it('never makes a job twice when killed around CreateJob', async () => {
    const plan = planWith([3, 3]);
    clouds.crashOnCreate = 'before';
    await expect(stage().run(contextFor(plan))).rejects.toThrow('killed before CreateJob');
    // The devices were recorded as queued for the job before it was made.
    expect(statesOf(ids(0, 3))).toEqual(['job-queued', 'job-queued', 'job-queued']);
    clouds.crashOnCreate = 'after';
    await expect(stage().run(contextFor(plan))).rejects.toThrow('killed after CreateJob');
    await stage().run(contextFor(plan));
    const digest = rolloutPlanDigest(plan.plan);
    expect(clouds.created).toEqual([`iotmigrate-${digest}-w1`, `iotmigrate-${digest}-w2`]);
    expect(statesOf(ids(0, 6))).toEqual(Array(6).fill('verified'));
  });

  it('skips, naming every device it leaves, when the plan has no firmware', async () => {
    const plan = planWith([2]);
    plan.plan.firmware = { status: 'not-planned', reason: 'no --firmware-repo', reposInManifest: [] };
    expect(stage().preview(contextFor(plan))).toEqual({ lines: [expect.stringContaining('rollout: skipped: the plan has no firmware')], writes: false });
    const outcome = await stage().run(contextFor(plan));
    expect(outcome.notDone).toEqual([
      { deviceId: 'dev-000', reason: expect.stringContaining('plan again with --firmware-repo') },
      { deviceId: 'dev-001', reason: expect.stringContaining('plan again with --firmware-repo') },
    ]);
    expect(clouds.created).toEqual([]);
  });

  it('holds the next wave while paused, and says so', async () => {
    const plan = planWith([2, 2]);
    const context = contextFor(plan);
    context.control.pause();
    const run = stage().run(context);
    while (waveEvents().at(-1)?.status !== 'paused') await new Promise((resolve) => setTimeout(resolve, 10));
    expect(waveEvents().at(-1)).toMatchObject({ name: 'wave-2', status: 'paused' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(statesOf(ids(0, 4))).toEqual(['verified', 'verified', 'identity-created', 'identity-created']);
    context.control.resume();
    await run;
    expect(statesOf(ids(0, 4))).toEqual(Array(4).fill('verified'));
  });
});
