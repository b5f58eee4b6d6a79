import { spawn } from 'node:child_process';
import { mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { UsageError } from '../errors.js';
import { isProcessAlive } from '../process-alive.js';
import { readRunningSandbox, SANDBOX_LOG_FILE, SANDBOX_PID_FILE } from './runtime-record.js';
import type { SandboxRuntimeRecord } from './start-sandbox.js';

const READY_TIMEOUT_MS = 10 * 60_000;
const STOP_TIMEOUT_MS = 15_000;

/**
 * `sandbox up --detach`: re-runs the same `sandbox up` in a detached child with its
 * output in <state-dir>/sandbox.log, and returns once the child has written its runtime
 * record (written only after every server answers). Seeding a large fleet can take a
 * while, hence the long timeout; a child that dies early is reported with its log tail.
 */
export async function startDetachedSandbox(stateDir: string, childArgs: string[]): Promise<SandboxRuntimeRecord> {
  await mkdir(stateDir, { recursive: true });
  const logFile = join(stateDir, SANDBOX_LOG_FILE);
  const log = await open(logFile, 'w');
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, ...childArgs], {
    detached: true,
    stdio: ['ignore', log.fd, log.fd],
    env: { ...process.env, IOTMIGRATE_JSON: '0', IOTMIGRATE_SANDBOX_UP_DETACH: '0' },
  });
  await log.close();
  const pid = child.pid!;
  let exited: number | null = null;
  child.on('exit', (code) => (exited = code ?? 1));
  child.unref();
  await writeFile(join(stateDir, SANDBOX_PID_FILE), `${pid}\n`);

  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const record = await readRunningSandbox(stateDir);
    if (record?.pid === pid) return record;
    if (exited !== null) {
      const tail = (await readFile(logFile, 'utf8')).trim().split('\n').slice(-5).join('\n  ');
      throw new UsageError(`the sandbox exited during start-up (code ${exited}):\n  ${tail}`, {
        hint: `see ${logFile}`,
      });
    }
    await sleep(100);
  }
  process.kill(pid, 'SIGTERM');
  throw new UsageError(`the sandbox did not become ready within ${READY_TIMEOUT_MS / 60_000} minutes`, { hint: `see ${logFile}` });
}

/** `sandbox down`: SIGTERM, wait for a clean stop (the estate is flushed), SIGKILL as a last resort. */
export async function stopRunningSandbox(stateDir: string): Promise<SandboxRuntimeRecord | undefined> {
  const record = await readRunningSandbox(stateDir);
  if (!record) return undefined;
  process.kill(record.pid, 'SIGTERM');
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (isProcessAlive(record.pid) && Date.now() < deadline) await sleep(50);
  if (isProcessAlive(record.pid)) process.kill(record.pid, 'SIGKILL');
  await rm(join(stateDir, SANDBOX_PID_FILE), { force: true });
  return record;
}
