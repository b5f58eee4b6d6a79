import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isProcessAlive } from '../process-alive.js';
import type { SandboxRuntimeRecord } from './start-sandbox.js';

export const SANDBOX_RUNTIME_FILE = 'sandbox.json';
export const SANDBOX_PID_FILE = 'sandbox.pid';
export const SANDBOX_LOG_FILE = 'sandbox.log';

/** The record of a sandbox that is running now, or undefined. Cleans up after a crashed one. */
export async function readRunningSandbox(stateDir: string): Promise<SandboxRuntimeRecord | undefined> {
  let record: SandboxRuntimeRecord;
  try {
    record = JSON.parse(await readFile(join(stateDir, SANDBOX_RUNTIME_FILE), 'utf8')) as SandboxRuntimeRecord;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  if (isProcessAlive(record.pid)) return record;
  await rm(join(stateDir, SANDBOX_RUNTIME_FILE), { force: true });
  await rm(join(stateDir, SANDBOX_PID_FILE), { force: true });
  return undefined;
}

/** `export NAME='value'` lines that a POSIX shell can eval. */
export function formatEnvExports(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([name, value]) => `export ${name}='${value.replace(/'/g, `'\\''`)}'`)
    .join('\n');
}
