import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LoadedPlan } from '../plan/load-plan-directory.js';
import type { Identity, Plan } from '../plan/schema.js';
import type { ProgressEvent } from '../progress/events.js';
import { STATE_DB_FILE, StateStore } from '../state/state-store.js';
import type { StageContext } from './apply-stage.js';
import { createRolloutControl } from './rollout-control.js';
import { identitiesStage, identityDigest } from './identities-stage.js';
import { FakeIdentityRegistry, identity } from './identity-registry.fixture.js';

let dir: string;
let store: StateStore;
let hub: FakeIdentityRegistry;
let events: ProgressEvent[];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iotmigrate-identities-stage-'));
  store = StateStore.open(dir);
  hub = new FakeIdentityRegistry();
  events = [];
});

afterEach(async () => {
  store.close();
  await rm(dir, { recursive: true, force: true });
});

const fleet = (count: number) => Array.from({ length: count }, (_, index) => identity(`dev-${String(index).padStart(4, '0')}`));
const stage = (concurrency = 2) => identitiesStage({ hostName: 'hub.example', concurrency, registryFor: () => hub });

function context(identities: Identity[], signal = new AbortController().signal): StageContext {
  const plan: LoadedPlan = { dir: 'plan', plan: {} as Plan, identities };
  return { plan, store, stateDir: dir, emit: (event) => events.push(event), signal, control: createRolloutControl() };
}

describe('identitiesStage', () => {
  it('creates every identity in batches of 100, records each device and reports progress per batch', async () => {
    const identities = fleet(250);
    expect(stage().preview(context(identities))).toEqual({
      lines: ['identities: 250 of 250 devices to create (or bring in line where they exist) on IoT Hub hub.example: 250 selfSigned; with their twin tags and desired properties'],
      writes: true,
    });
    const outcome = await stage().run(context(identities));
    expect(outcome.counts).toEqual({ created: 250, updated: 0, unchanged: 0, failed: 0, alreadyDone: 0, locked: 0, throttled: 0 });
    expect(outcome.notDone).toEqual([]);
    expect(hub.calls.sort()).toEqual(['create 100', 'create 100', 'create 50']);
    expect(store.countsByState()['identity-created']).toBe(250);
    expect(store.get('dev-0007')).toMatchObject({ identityOutcome: 'created', identityDigest: identityDigest(identities[7]!) });
    const progress = events.filter((event) => event.type === 'progress');
    // One at the start, then one per batch.
    expect(progress).toHaveLength(4);
    expect(progress[0]).toMatchObject({ done: 0, total: 250 });
    expect(progress.at(-1)).toMatchObject({ stage: 'identities', resource: 'identities', done: 250, total: 250 });
  });

  it('has nothing to do on a second run, and asks nothing', async () => {
    const identities = fleet(30);
    await stage().run(context(identities));
    hub.calls.length = 0;
    expect(stage().preview(context(identities))).toEqual({ lines: ['identities: all 30 devices already have their identity on hub.example'], writes: false });
    const outcome = await stage().run(context(identities));
    expect(outcome.counts).toMatchObject({ created: 0, alreadyDone: 30 });
    expect(hub.calls).toEqual([]);
  });

  it('retries a failed device on the next run, and lists it with its reason until then', async () => {
    hub.maxTagBytes = 200;
    const identities = [...fleet(3), identity('big', { twin: { tags: { note: 'x'.repeat(300) }, desired: {} } })];
    const first = await stage().run(context(identities));
    expect(first.counts).toMatchObject({ created: 3, failed: 1 });
    expect(first.notDone).toEqual([{ deviceId: 'big', reason: 'ArgumentInvalid: tags too large' }]);
    expect(first.lines).toContain('    big: ArgumentInvalid: tags too large');
    hub.maxTagBytes = 8192;
    const second = await stage().run(context(identities));
    expect(second.counts).toMatchObject({ created: 1, failed: 0, alreadyDone: 3 });
    expect(second.notDone).toEqual([]);
    expect(store.get('big')).toMatchObject({ state: 'identity-created', reason: null, identityAttempts: 2 });
  });

  it('ensures again an identity the plan changed, but leaves alone a device already in the rollout', async () => {
    const identities = fleet(2);
    await stage().run(context(identities));
    const replanned = identities.map((planned) => ({ ...planned, twin: { ...planned.twin, desired: { setpoint: 25 } } }));
    // dev-0001 has moved on to the rollout, whose stage is not built yet: set its state by hand.
    const raw = new Database(join(dir, STATE_DB_FILE));
    raw.prepare("UPDATE devices SET state = 'job-queued' WHERE device_id = 'dev-0001'").run();
    raw.close();
    const outcome = await stage().run(context(replanned));
    expect(outcome.counts).toMatchObject({ updated: 1, locked: 1 });
    expect(hub.devices.get('dev-0000')!.desired).toEqual({ setpoint: 25 });
    expect(hub.devices.get('dev-0001')!.desired).toEqual({ setpoint: 21 });
    expect(events).toContainEqual(expect.objectContaining({ type: 'warning', code: 'identity-locked', subject: 'dev-0001' }));
  });

  it('stops between batches when interrupted, keeping what is done', async () => {
    const controller = new AbortController();
    const original = hub.createDevices.bind(hub);
    hub.createDevices = async (devices) => {
      const result = await original(devices);
      controller.abort(new Error('interrupted by SIGINT'));
      return result;
    };
    await expect(stage(1).run(context(fleet(300), controller.signal))).rejects.toThrow('interrupted by SIGINT');
    expect(store.countsByState()).toMatchObject({ 'identity-created': 100, pending: 200 });
  });
});
