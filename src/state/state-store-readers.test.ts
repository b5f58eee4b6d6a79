import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StateStore, STATE_DB_FILE } from './state-store.js';

/** The store as status and report read it: read-only, beside an apply that writes. */
let dir: string;
const opened: Array<{ close(): void }> = [];
const keep = <T extends { close(): void }>(handle: T) => (opened.push(handle), handle);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'iotmigrate-state-readers-'));
});

afterEach(() => {
  for (const handle of opened.splice(0)) handle.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('StateStore.openReadOnly', () => {
  it('refuses a directory without state.db, and creates nothing there', () => {
    expect(() => StateStore.openReadOnly(dir)).toThrow(/no state database at .*state\.db/);
    expect(() => StateStore.openReadOnly(join(dir, 'absent'))).toThrow(expect.objectContaining({ exitCode: 2, hint: expect.stringMatching(/run `iotmigrate apply` first, or pass --state-dir/) }));
    expect(readdirSync(dir)).toEqual([]);
  });

  it('reads the last commit without waiting while a writer holds its transaction open, and never blocks it', () => {
    const writer = keep(StateStore.open(dir));
    writer.enrol(['a', 'b']);
    const raw = keep(new Database(join(dir, STATE_DB_FILE)));
    raw.exec("BEGIN IMMEDIATE; UPDATE devices SET state = 'identity-created' WHERE device_id = 'a'");

    const reader = keep(StateStore.openReadOnly(dir));
    const started = Date.now();
    expect(reader.countsByState()).toMatchObject({ pending: 2, 'identity-created': 0 });
    expect(Date.now() - started).toBeLessThan(1000);
    raw.exec('COMMIT');
    expect(reader.countsByState()).toMatchObject({ pending: 1, 'identity-created': 1 });
  });

  it('keeps one snapshot inside readConsistently while the writer commits', async () => {
    const writer = keep(StateStore.open(dir));
    writer.enrol(['a']);
    const reader = keep(StateStore.openReadOnly(dir));
    const seen = await reader.readConsistently(async () => {
      const before = reader.countsByState().pending;
      writer.enrol(['b', 'c']);
      await new Promise((resolve) => setTimeout(resolve, 10));
      return { before, after: reader.countsByState().pending, rows: [...reader.list()].length };
    });
    expect(seen).toEqual({ before: 1, after: 1, rows: 1 });
    expect(reader.countsByState().pending).toBe(3);
  });

  it('cannot write', () => {
    keep(StateStore.open(dir));
    const reader = keep(StateStore.openReadOnly(dir));
    expect(() => reader.enrol(['x'])).toThrow(/readonly/i);
  });

  it('refuses a store of another schema version with what to do', () => {
    keep(StateStore.open(dir)).close();
    const raw = new Database(join(dir, STATE_DB_FILE));
    raw.pragma('user_version = 99');
    raw.close();
    expect(() => StateStore.openReadOnly(dir)).toThrow(/state schema 99; this iotmigrate reads/);
  });
});

describe('run lock and last change, for status', () => {
  it('names the running apply and forgets one that died', () => {
    const store = keep(StateStore.open(dir));
    expect(store.runningApplyPid()).toBeUndefined();
    store.claimRun(process.pid);
    expect(store.runningApplyPid()).toBe(process.pid);
    store.setMeta('apply-pid', '999999999');
    expect(store.runningApplyPid()).toBeUndefined();
  });

  it('tells when a device last changed', () => {
    let clock = 0;
    const store = keep(StateStore.open(dir, { now: () => new Date(Date.UTC(2026, 0, 1) + clock * 1000) }));
    expect(store.lastUpdatedAt()).toBeUndefined();
    store.enrol(['a', 'b']);
    clock = 60;
    store.record([{ deviceId: 'b', event: { type: 'identity-failed', reason: 'throttled' } }]);
    expect(store.lastUpdatedAt()).toBe('2026-01-01T00:01:00.000Z');
  });
});
