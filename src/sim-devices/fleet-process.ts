/**
 * The fleet's own process, forked by forkFleet (fork-fleet.ts): the sandbox's servers
 * and the fleet's 2 × N TLS connections then use both cores. It starts the fleet the
 * parent describes, reports its status over IPC and to <state-dir>/fleet-status.json
 * (which `sandbox status` reads), and stops it when told to or when the parent goes.
 */
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isIotMigrateError } from '../errors.js';
import { stableStringify, writeFileAtomic } from '../fs/atomic-write.js';
import { startFleet, type Fleet, type FleetOptions } from './fleet.js';
import type { FleetStatus } from './fleet-status.js';
import { FLEET_STATUS_FILE, type FleetStatusRecord } from './fleet-status-file.js';

export const FLEET_LOG_FILE = 'fleet.log';

export type ParentMessage = { type: 'start'; options: Omit<FleetOptions, 'log' | 'onChange'> } | { type: 'stop' };
export type ChildMessage =
  | { type: 'ready'; status: FleetStatus }
  | { type: 'status'; status: FleetStatus }
  /** `userError`: a mistake the user can fix (a malformed fleet.json), with its hint. */
  | { type: 'failed'; message: string; userError: boolean; hint?: string }
  | { type: 'stopped' };

const send = (message: ChildMessage) => process.send?.(message);
let fleet: Fleet | undefined;
let stateDir: string | undefined;
let stopping: Promise<void> | undefined;
let statusWrite = Promise.resolve();

function writeStatus(status: FleetStatus): void {
  if (!stateDir) return;
  const file = join(stateDir, FLEET_STATUS_FILE);
  const record: FleetStatusRecord = { pid: process.pid, updatedAt: new Date().toISOString(), ...status };
  statusWrite = statusWrite.then(() => writeFileAtomic(file, stableStringify(record))).catch(() => {});
}

function stop(): Promise<void> {
  stopping ??= (async () => {
    await fleet?.stop();
    await statusWrite;
    if (stateDir) await rm(join(stateDir, FLEET_STATUS_FILE), { force: true });
    send({ type: 'stopped' });
    process.exit(0);
  })();
  return stopping;
}

process.on('message', (message: ParentMessage) => {
  if (message.type === 'stop') return void stop();
  stateDir = message.options.stateDir;
  const log = createWriteStream(join(stateDir, FLEET_LOG_FILE), { flags: 'a' });
  const logLine = (line: string) => log.write(`${new Date().toISOString()} ${line}\n`);
  // Many devices' firmware share this process as separate devices would share nothing:
  // one device's stray error (an event emitter without an 'error' listener in firmware
  // code) must not take the others down, so it is logged, not fatal.
  process.on('uncaughtException', (error) => logLine(`uncaught: ${error.stack ?? String(error)}`));
  process.on('unhandledRejection', (error) => logLine(`unhandled rejection: ${(error as Error)?.stack ?? String(error)}`));
  startFleet({
    ...message.options,
    log: logLine,
    onChange: (status) => {
      send({ type: 'status', status });
      writeStatus(status);
    },
  }).then(
    (started) => {
      fleet = started;
      const status = started.status();
      writeStatus(status);
      send({ type: 'ready', status });
    },
    (error: unknown) => {
      const userError = isIotMigrateError(error);
      send({ type: 'failed', message: (error as Error).message, userError, ...(userError && error.hint ? { hint: error.hint } : {}) });
      process.exit(1);
    },
  );
});
// The parent is gone (killed, or stopped without telling us): the fleet goes with it.
process.on('disconnect', () => void stop());
process.on('SIGTERM', () => void stop());
