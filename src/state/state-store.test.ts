import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StateStore, STATE_DB_FILE } from './state-store.js';

let dir: string;
let store: StateStore | undefined;
let clock = 0;
const now = () => new Date(Date.UTC(2026, 0, 1) + clock * 1000);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'iotmigrate-state-'));
  clock = 0;
});

afterEach(() => {
  store?.close();
  store = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const open = () => (store = StateStore.open(dir, { now }));

describe('StateStore', () => {
  it('creates state.db in WAL mode and enrols each device once, as pending', () => {
    const state = open();
    expect(state.enrol(['b', 'a'])).toBe(2);
    expect(state.enrol(['a', 'c'])).toBe(1);
    expect(state.get('a')).toMatchObject({ deviceId: 'a', state: 'pending', reason: null, identityAttempts: 0, enrolledAt: '2026-01-01T00:00:00.000Z' });
    expect(state.get('z')).toBeUndefined();
    expect(state.countsByState()).toMatchObject({ pending: 3, 'identity-created': 0, verified: 0 });
    const raw = new Database(join(dir, STATE_DB_FILE), { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
  });

  it('records transitions through the state machine and keeps them across a reopen', () => {
    const state = open();
    state.enrol(['a', 'b']);
    clock = 5;
    state.record([
      { deviceId: 'a', event: { type: 'identity-ensured', outcome: 'created', digest: 'd-a' } },
      { deviceId: 'b', event: { type: 'identity-failed', reason: 'ArgumentInvalid: tags would be 9000 bytes' } },
    ]);
    state.close();
    const reopened = open();
    expect(reopened.get('a')).toMatchObject({ state: 'identity-created', identityOutcome: 'created', identityDigest: 'd-a', stateChangedAt: '2026-01-01T00:00:05.000Z' });
    expect(reopened.failures()).toEqual([{ deviceId: 'b', reason: 'ArgumentInvalid: tags would be 9000 bytes' }]);
    expect(reopened.countsByState()).toMatchObject({ pending: 1, 'identity-created': 1 });
  });

  it('writes nothing of a batch with a refused transition', () => {
    const state = open();
    state.enrol(['a', 'b']);
    expect(() =>
      state.record([
        { deviceId: 'a', event: { type: 'identity-ensured', outcome: 'created', digest: 'd' } },
        { deviceId: 'b', event: { type: 'identity-outdated' } },
      ]),
    ).toThrow('device b is pending: identity-outdated does not apply');
    expect(() => state.record([{ deviceId: 'nobody', event: { type: 'identity-failed', reason: 'x' } }])).toThrow('never enrolled');
    expect(state.countsByState().pending).toBe(2);
  });

  it('keeps each device\'s transitions, counts per wave, and lists devices by state', () => {
    const state = open();
    state.enrol(['a', 'b']);
    state.record([
      { deviceId: 'a', event: { type: 'identity-ensured', outcome: 'created', digest: 'd' } },
      { deviceId: 'b', event: { type: 'identity-ensured', outcome: 'created', digest: 'd' } },
    ]);
    clock = 10;
    state.record([
      { deviceId: 'a', event: { type: 'job-queued', jobId: 'j1', wave: 1, firmwareBefore: '1.0.0' } },
      { deviceId: 'b', event: { type: 'job-queued', jobId: 'j1', wave: 1, firmwareBefore: '1.0.0' } },
    ]);
    clock = 20;
    state.record([
      { deviceId: 'a', event: { type: 'progressed', to: 'downloading' } },
      { deviceId: 'a', event: { type: 'progressed', to: 'downloading' } },
      { deviceId: 'b', event: { type: 'rolled-back', reason: 'refused' } },
    ]);
    expect(state.history('a').map((step) => [step.at, step.from, step.to])).toEqual([
      ['2026-01-01T00:00:00.000Z', 'pending', 'identity-created'],
      ['2026-01-01T00:00:10.000Z', 'identity-created', 'job-queued'],
      ['2026-01-01T00:00:20.000Z', 'job-queued', 'downloading'],
    ]);
    expect(state.history('b').at(-1)).toEqual({ at: '2026-01-01T00:00:20.000Z', from: 'job-queued', to: 'rolled-back', event: 'rolled-back', reason: 'refused' });
    expect(state.countsByWave().get(1)).toMatchObject({ downloading: 1, 'rolled-back': 1 });
    expect([...state.list({ states: ['rolled-back'] })].map((record) => record.deviceId)).toEqual(['b']);
    expect([...state.list()].map((record) => record.deviceId)).toEqual(['a', 'b']);
  });

  it('stays bound to the hub of its first run', () => {
    const state = open();
    state.bindHub('hub-a.azure-devices.net');
    state.bindHub('hub-a.azure-devices.net');
    expect(() => state.bindHub('hub-b.azure-devices.net')).toThrow('records a migration to IoT Hub hub-a.azure-devices.net, not hub-b.azure-devices.net');
  });

  it('lets one apply run at a time, and takes over from one that died', () => {
    const state = open();
    state.claimRun(process.pid);
    const other = StateStore.open(dir, { now });
    try {
      expect(() => other.claimRun(process.ppid)).toThrow(`another iotmigrate apply (pid ${process.pid})`);
      state.releaseRun(process.pid);
      other.claimRun(process.ppid);
      // A pid that cannot be running (above the kernel's pid_max) stands for a killed apply.
      other.releaseRun(process.ppid);
      other.claimRun(4_194_305);
      state.claimRun(process.pid);
    } finally {
      other.close();
    }
  });

  it('refuses a file that is not a state database, and one written by a newer iotmigrate', () => {
    writeFileSync(join(dir, STATE_DB_FILE), 'not sqlite at all, just some text that is long enough to be a header');
    expect(() => open()).toThrow(`${join(dir, STATE_DB_FILE)} is not an iotmigrate state database`);
    rmSync(join(dir, STATE_DB_FILE));
    const raw = new Database(join(dir, STATE_DB_FILE));
    raw.pragma('user_version = 99');
    raw.close();
    expect(() => open()).toThrow('was written by a newer iotmigrate (state schema 99; this one knows 2)');
  });
});
