import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { InputError, UsageError } from '../errors.js';
import { isProcessAlive } from '../process-alive.js';
import {
  DEVICE_STATES,
  enrolledDevice,
  IDENTITY_OUTCOMES,
  nextDeviceRecord,
  type DeviceEvent,
  type DeviceRecord,
  type DeviceState,
  type IdentityOutcome,
} from './device-state.js';

export const STATE_DB_FILE = 'state.db';

/** Bumped with every change to the tables; each version's migration is in MIGRATIONS. */
const SCHEMA_VERSION = 2;

const quoted = (values: readonly string[]) => values.map((value) => `'${value}'`).join(', ');
const MIGRATIONS: Record<number, string> = {
  1: `
    CREATE TABLE devices (
      device_id TEXT PRIMARY KEY,
      state TEXT NOT NULL CHECK (state IN (${quoted(DEVICE_STATES)})),
      reason TEXT,
      identity_digest TEXT,
      identity_outcome TEXT CHECK (identity_outcome IN (${quoted(IDENTITY_OUTCOMES)})),
      identity_attempts INTEGER NOT NULL,
      enrolled_at TEXT NOT NULL,
      state_changed_at TEXT NOT NULL,
      updated_at TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX devices_by_state ON devices (state);
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
  `,
  2: `
    ALTER TABLE devices ADD COLUMN wave INTEGER;
    ALTER TABLE devices ADD COLUMN job_id TEXT;
    ALTER TABLE devices ADD COLUMN rollout_attempts INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE devices ADD COLUMN firmware_before TEXT;
    ALTER TABLE devices ADD COLUMN firmware_after TEXT;
    CREATE INDEX devices_by_wave ON devices (wave, state);
    CREATE TABLE transitions (
      device_id TEXT NOT NULL,
      at TEXT NOT NULL,
      from_state TEXT NOT NULL,
      to_state TEXT NOT NULL,
      event TEXT NOT NULL,
      reason TEXT
    );
    CREATE INDEX transitions_by_device ON transitions (device_id, at);
  `,
};

/** One step of a device's history, for the report's timestamps. */
export interface DeviceTransition {
  at: string;
  from: DeviceState;
  to: DeviceState;
  event: DeviceEvent['type'];
  reason: string | null;
}

interface DeviceRow {
  device_id: string;
  state: DeviceState;
  reason: string | null;
  identity_digest: string | null;
  identity_outcome: IdentityOutcome | null;
  identity_attempts: number;
  wave: number | null;
  job_id: string | null;
  rollout_attempts: number;
  firmware_before: string | null;
  firmware_after: string | null;
  enrolled_at: string;
  state_changed_at: string;
  updated_at: string;
}

export interface DeviceChange {
  deviceId: string;
  event: DeviceEvent;
}

/**
 * apply's memory: one row per device in `<state-dir>/state.db` (SQLite in WAL mode, so
 * `status` can read while apply writes). Every change goes through the pure state
 * machine, inside a transaction, so a kill -9 leaves each device either before or after
 * a transition, never between. Writes use synchronous=NORMAL: a power cut may lose the
 * last commits, which the next run recovers from the hub (an identity found there is
 * compared, not created twice).
 */
export class StateStore {
  private readonly getStatement: Database.Statement<[string], DeviceRow>;
  private readonly insertStatement: Database.Statement<DeviceRow>;
  private readonly updateStatement: Database.Statement<DeviceRow>;
  private readonly transitionStatement: Database.Statement<[string, string, string, string, string, string | null]>;

  private constructor(
    private readonly db: Database.Database,
    readonly path: string,
    private readonly now: () => Date,
  ) {
    this.getStatement = db.prepare('SELECT * FROM devices WHERE device_id = ?');
    this.insertStatement = db.prepare(
      `INSERT OR IGNORE INTO devices (device_id, state, reason, identity_digest, identity_outcome, identity_attempts,
        wave, job_id, rollout_attempts, firmware_before, firmware_after, enrolled_at, state_changed_at, updated_at)
       VALUES (@device_id, @state, @reason, @identity_digest, @identity_outcome, @identity_attempts,
        @wave, @job_id, @rollout_attempts, @firmware_before, @firmware_after, @enrolled_at, @state_changed_at, @updated_at)`,
    );
    this.updateStatement = db.prepare(
      `UPDATE devices SET state = @state, reason = @reason, identity_digest = @identity_digest,
        identity_outcome = @identity_outcome, identity_attempts = @identity_attempts, wave = @wave, job_id = @job_id,
        rollout_attempts = @rollout_attempts, firmware_before = @firmware_before, firmware_after = @firmware_after,
        state_changed_at = @state_changed_at, updated_at = @updated_at WHERE device_id = @device_id`,
    );
    this.transitionStatement = db.prepare('INSERT INTO transitions VALUES (?, ?, ?, ?, ?, ?)');
  }

  static open(stateDir: string, options: { now?: () => Date } = {}): StateStore {
    mkdirSync(stateDir, { recursive: true });
    const path = join(stateDir, STATE_DB_FILE);
    const db = new Database(path);
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      // Another process (status, report) may hold a read snapshot while apply commits.
      db.pragma('busy_timeout = 5000');
      migrate(db, path);
    } catch (error) {
      db.close();
      if ((error as { code?: string }).code === 'SQLITE_NOTADB') {
        throw new InputError(`${path} is not an iotmigrate state database`, { hint: 'move it away, or choose another --state-dir', cause: error });
      }
      throw error;
    }
    return new StateStore(db, path, options.now ?? (() => new Date()));
  }

  /**
   * For readers (status, report) while apply may be writing in another process: a
   * read-only connection neither creates nor migrates anything, takes no write lock, and
   * under WAL reads its snapshot without waiting for apply's open transaction.
   */
  static openReadOnly(stateDir: string): StateStore {
    const path = join(stateDir, STATE_DB_FILE);
    if (!existsSync(path)) {
      throw new UsageError(`no state database at ${path}`, {
        hint: 'run `iotmigrate apply` first, or pass --state-dir with the directory apply used',
      });
    }
    const db = new Database(path, { readonly: true, fileMustExist: true });
    try {
      db.pragma('busy_timeout = 5000');
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version !== SCHEMA_VERSION) {
        throw new UsageError(`${path} has state schema ${version}; this iotmigrate reads ${SCHEMA_VERSION}`, {
          hint: version > SCHEMA_VERSION ? 'run the iotmigrate that wrote it' : 'run `iotmigrate apply` once with this version to upgrade it',
        });
      }
    } catch (error) {
      db.close();
      if ((error as { code?: string }).code === 'SQLITE_NOTADB') {
        throw new InputError(`${path} is not an iotmigrate state database`, { hint: 'choose another --state-dir', cause: error });
      }
      throw error;
    }
    return new StateStore(db, path, () => new Date());
  }

  /**
   * Runs `read` on one snapshot of the store, so counts and rows read in it agree even
   * while apply commits. Only for a connection nobody else uses meanwhile (a reader's own).
   */
  async readConsistently<T>(read: () => Promise<T> | T): Promise<T> {
    this.db.exec('BEGIN');
    try {
      return await read();
    } finally {
      // A read transaction has nothing to keep; ending it lets apply checkpoint the WAL again.
      if (this.db.inTransaction) this.db.exec('COMMIT');
    }
  }

  /**
   * Ties the store to one hub: its states say what exists on that hub, so applying them
   * to another would skip devices that hub never got.
   */
  bindHub(hostName: string): void {
    const bound = this.meta('hub-host-name');
    if (bound === undefined) this.setMeta('hub-host-name', hostName);
    else if (bound !== hostName) {
      throw new UsageError(`${this.path} records a migration to IoT Hub ${bound}, not ${hostName}`, {
        hint: 'use the connection string of that hub, or another --state-dir for a new migration',
      });
    }
  }

  /** One apply at a time per store; a holder that died (kill -9) leaves a pid that no longer runs. */
  claimRun(pid: number = process.pid): void {
    this.db
      .transaction(() => {
        const holder = Number(this.meta('apply-pid'));
        if (holder && holder !== pid && isProcessAlive(holder)) {
          throw new UsageError(`another iotmigrate apply (pid ${holder}) is using ${this.path}`, {
            hint: 'wait for it to finish (or stop it), then run apply again',
          });
        }
        this.setMeta('apply-pid', String(pid));
      })
      .immediate();
  }

  releaseRun(pid: number = process.pid): void {
    this.db.prepare("DELETE FROM meta WHERE key = 'apply-pid' AND value = ?").run(String(pid));
  }

  /** The pid of the apply holding the run lock, if that process still runs. */
  runningApplyPid(): number | undefined {
    const holder = Number(this.meta('apply-pid'));
    return holder && isProcessAlive(holder) ? holder : undefined;
  }

  /** When any device last changed (ISO), or undefined for an empty store. */
  lastUpdatedAt(): string | undefined {
    const row = this.db.prepare('SELECT MAX(updated_at) AS at FROM devices').get() as { at: string | null };
    return row.at ?? undefined;
  }

  get(deviceId: string): DeviceRecord | undefined {
    const row = this.getStatement.get(deviceId);
    return row && recordOf(row);
  }

  /** Adds the devices the store does not know yet, as pending; returns how many were new. */
  enrol(deviceIds: Iterable<string>): number {
    const at = this.now().toISOString();
    return this.db.transaction(() => {
      let added = 0;
      for (const deviceId of deviceIds) added += this.insertStatement.run(rowOf(enrolledDevice(deviceId, at))).changes;
      return added;
    })();
  }

  /**
   * Applies events in one transaction. A refused transition or an unknown device is a
   * bug in the caller (stages only send events their state allows), so it throws and
   * nothing of the batch is written.
   */
  record(changes: readonly DeviceChange[]): DeviceRecord[] {
    const at = this.now().toISOString();
    return this.db.transaction(() =>
      changes.map(({ deviceId, event }) => {
        const current = this.get(deviceId);
        if (!current) throw new Error(`state store: ${event.type} for device ${deviceId}, which was never enrolled`);
        const transition = nextDeviceRecord(current, event, at);
        if (!transition.ok) throw new Error(`state store: ${transition.problem}`);
        const next = transition.record;
        if (next === current) return current;
        this.updateStatement.run(rowOf(next));
        if (next.state !== current.state || next.reason !== current.reason) {
          this.transitionStatement.run(deviceId, at, current.state, next.state, event.type, next.reason);
        }
        return next;
      }),
    )();
  }

  countsByState(): Record<DeviceState, number> {
    const counts = zeroCounts();
    const rows = this.db.prepare('SELECT state, COUNT(*) AS count FROM devices GROUP BY state').all() as Array<{ state: DeviceState; count: number }>;
    for (const row of rows) counts[row.state] = row.count;
    return counts;
  }

  /** Counts per state of each wave's devices (a device counts in the wave of its latest job). */
  countsByWave(): Map<number, Record<DeviceState, number>> {
    const rows = this.db
      .prepare('SELECT wave, state, COUNT(*) AS count FROM devices WHERE wave IS NOT NULL GROUP BY wave, state ORDER BY wave')
      .all() as Array<{ wave: number; state: DeviceState; count: number }>;
    const waves = new Map<number, Record<DeviceState, number>>();
    for (const row of rows) {
      const counts = waves.get(row.wave) ?? zeroCounts();
      counts[row.state] = row.count;
      waves.set(row.wave, counts);
    }
    return waves;
  }

  /** Every device (or those in `states`), by device ID; iterates so a 100k fleet is never held twice. */
  *list(options: { states?: readonly DeviceState[] } = {}): Generator<DeviceRecord> {
    const states = options.states;
    const statement = states
      ? this.db.prepare(`SELECT * FROM devices WHERE state IN (${states.map(() => '?').join(', ')}) ORDER BY device_id`)
      : this.db.prepare('SELECT * FROM devices ORDER BY device_id');
    for (const row of statement.iterate(...(states ?? [])) as IterableIterator<DeviceRow>) yield recordOf(row);
  }

  /** The device's transitions, oldest first. */
  history(deviceId: string): DeviceTransition[] {
    const rows = this.db
      .prepare('SELECT at, from_state, to_state, event, reason FROM transitions WHERE device_id = ? ORDER BY rowid')
      .all(deviceId) as Array<{ at: string; from_state: DeviceState; to_state: DeviceState; event: DeviceEvent['type']; reason: string | null }>;
    return rows.map((row) => ({ at: row.at, from: row.from_state, to: row.to_state, event: row.event, reason: row.reason }));
  }

  /** Pending devices whose last attempt failed, by device ID. */
  failures(): Array<{ deviceId: string; reason: string }> {
    return this.db
      .prepare("SELECT device_id AS deviceId, reason FROM devices WHERE state = 'pending' AND reason IS NOT NULL ORDER BY device_id")
      .all() as Array<{ deviceId: string; reason: string }>;
  }

  close(): void {
    this.db.close();
  }

  /** A stage's own bookkeeping (bundle digest, job IDs per wave, ...), kept with the devices it concerns. */
  meta(key: string): string | undefined {
    const row = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
    return row?.value;
  }

  setMeta(key: string, value: string): void {
    this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
  }
}

function zeroCounts(): Record<DeviceState, number> {
  return Object.fromEntries(DEVICE_STATES.map((state) => [state, 0])) as Record<DeviceState, number>;
}

function migrate(db: Database.Database, path: string): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new UsageError(`${path} was written by a newer iotmigrate (state schema ${version}; this one knows ${SCHEMA_VERSION})`, {
      hint: 'run the iotmigrate that wrote it',
    });
  }
  db.transaction(() => {
    for (let next = version + 1; next <= SCHEMA_VERSION; next += 1) db.exec(MIGRATIONS[next]!);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}

function recordOf(row: DeviceRow): DeviceRecord {
  return {
    deviceId: row.device_id,
    state: row.state,
    reason: row.reason,
    identityDigest: row.identity_digest,
    identityOutcome: row.identity_outcome,
    identityAttempts: row.identity_attempts,
    wave: row.wave,
    jobId: row.job_id,
    rolloutAttempts: row.rollout_attempts,
    firmwareBefore: row.firmware_before,
    firmwareAfter: row.firmware_after,
    enrolledAt: row.enrolled_at,
    stateChangedAt: row.state_changed_at,
    updatedAt: row.updated_at,
  };
}

function rowOf(record: DeviceRecord): DeviceRow {
  return {
    device_id: record.deviceId,
    state: record.state,
    reason: record.reason,
    identity_digest: record.identityDigest,
    identity_outcome: record.identityOutcome,
    identity_attempts: record.identityAttempts,
    wave: record.wave,
    job_id: record.jobId,
    rollout_attempts: record.rolloutAttempts,
    firmware_before: record.firmwareBefore,
    firmware_after: record.firmwareAfter,
    enrolled_at: record.enrolledAt,
    state_changed_at: record.stateChangedAt,
    updated_at: record.updatedAt,
  };
}
