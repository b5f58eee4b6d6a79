import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StateStore } from '../state/state-store.js';
import { deviceStories, playDeviceStories } from './device-stories.fixture.js';
import { zeroStateCounts } from './fleet-counts.js';
import { formatStatusLines, readStatus, type FleetStatus } from './status.js';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'iotmigrate-status-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('readStatus', () => {
  it('counts per state and per wave, names waves by number without a plan, and sees no apply running', async () => {
    const store = StateStore.open(dir);
    playDeviceStories(
      store,
      new Map([
        ['a', deviceStories.verified(1)],
        ['b', deviceStories.rolledBack(2, 'hub refused')],
        ['c', deviceStories.identityCreated()],
        ['d', deviceStories.verifiedOnRetry(2, 3)],
      ]),
    );
    store.setMeta('apply-pid', '999999999');
    store.close();

    const status = await readStatus({ stateDir: dir, planDir: join(dir, 'no-plan'), planRequired: false });
    expect(status).toMatchObject({
      stateDb: join(dir, 'state.db'),
      planDir: null,
      apply: { running: false, pid: null },
      devices: 4,
      counts: { verified: 2, 'rolled-back': 1, 'identity-created': 1, pending: 0 },
    });
    expect(status.lastUpdatedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(status.waves.map(({ index, name, devices, plannedDevices }) => ({ index, name, devices, plannedDevices }))).toEqual([
      { index: 1, name: 'wave-1', devices: 1, plannedDevices: null },
      { index: 2, name: 'wave-2', devices: 1, plannedDevices: null },
      { index: 3, name: 'wave-3', devices: 1, plannedDevices: null },
    ]);
  });

  it('reports the apply that holds the run lock while it runs', async () => {
    const store = StateStore.open(dir);
    store.claimRun(process.pid);
    const status = await readStatus({ stateDir: dir, planDir: join(dir, 'no-plan'), planRequired: false });
    store.close();
    expect(status.apply).toEqual({ running: true, pid: process.pid });
    expect(status.lastUpdatedAt).toBeNull();
  });

  it('refuses a missing state database with the next step, and a named plan directory that is not there', async () => {
    await expect(readStatus({ stateDir: dir, planDir: join(dir, 'no-plan'), planRequired: false })).rejects.toThrow(/no state database at .*state\.db/);
    StateStore.open(dir).close();
    await expect(readStatus({ stateDir: dir, planDir: join(dir, 'no-plan'), planRequired: true })).rejects.toThrow(/cannot read .*plan\.json/);
  });
});

describe('formatStatusLines', () => {
  const counts = (changes: Partial<ReturnType<typeof zeroStateCounts>>) => ({ ...zeroStateCounts(), ...changes });
  const status: FleetStatus = {
    stateDb: '.iotmigrate/state.db',
    planDir: 'plan',
    apply: { running: true, pid: 4242 },
    lastUpdatedAt: '2026-01-01T00:10:00.000Z',
    devices: 30,
    counts: counts({ verified: 20, downloading: 5, 'rolled-back': 1, pending: 4 }),
    waves: [
      { index: 1, name: 'canary', devices: 5, counts: counts({ verified: 5 }), plannedDevices: 5 },
      { index: 2, name: 'wave-2', devices: 20, counts: counts({ verified: 15, downloading: 5 }), plannedDevices: 21 },
      { index: 3, name: 'retry-1', devices: 1, counts: counts({ 'rolled-back': 1 }), plannedDevices: null },
      { index: 4, name: 'wave-4', devices: 0, counts: counts({}), plannedDevices: 4 },
    ],
  };

  it('says where the store is, whether apply runs, and the counts per state and per wave', () => {
    expect(formatStatusLines(status)).toEqual([
      'State: .iotmigrate/state.db, last change 2026-01-01T00:10:00.000Z',
      'apply: running (pid 4242)',
      'Devices: 30 — pending 4 · downloading 5 · verified 20 · rolled-back 1',
      'Waves:',
      '   1 canary   5 of 5 planned — verified 5',
      '   2 wave-2   20 of 21 planned — downloading 5 · verified 15',
      '   3 retry-1  1 — rolled-back 1',
      '   4 wave-4   0 of 4 planned',
    ]);
  });

  it('says when no wave has started', () => {
    expect(formatStatusLines({ ...status, apply: { running: false, pid: null }, waves: [] }).slice(1)).toEqual([
      'apply: not running',
      'Devices: 30 — pending 4 · downloading 5 · verified 20 · rolled-back 1',
      'Waves: none started yet',
    ]);
  });
});
