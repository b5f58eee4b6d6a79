import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isProcessAlive } from '../process-alive.js';
import type { FleetStatus } from './fleet-status.js';

/**
 * `<state-dir>/fleet-status.json`: the fleet process's latest counts, rewritten as
 * devices change, so `sandbox status` in another terminal can show them.
 */
export const FLEET_STATUS_FILE = 'fleet-status.json';

export interface FleetStatusRecord extends FleetStatus {
  pid: number;
  updatedAt: string;
}

/** The running fleet's status, or undefined when no fleet process is alive for this state dir. */
export async function readFleetStatusFile(stateDir: string): Promise<FleetStatusRecord | undefined> {
  try {
    const record = JSON.parse(await readFile(join(stateDir, FLEET_STATUS_FILE), 'utf8')) as FleetStatusRecord;
    return isProcessAlive(record.pid) ? record : undefined;
  } catch {
    return undefined;
  }
}
