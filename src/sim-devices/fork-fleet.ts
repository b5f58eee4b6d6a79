import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { InputError } from '../errors.js';
import type { FleetOptions } from './fleet.js';
import type { ChildMessage, ParentMessage } from './fleet-process.js';
import type { FleetStatus } from './fleet-status.js';

export interface FleetProcess {
  pid: number;
  /** The status the fleet last reported. */
  status(): FleetStatus;
  stop(): Promise<void>;
}

const STOP_TIMEOUT_MS = 30_000;

/**
 * Runs the fleet in a child process (fleet-process.ts) and resolves once every device
 * has booted. The child trusts the devices' CA file for everything (NODE_EXTRA_CA_CERTS),
 * which the Azure firmware needs to reach the sandbox hub. From the .ts sources (tests,
 * tsx) the child runs through tsx too; from dist, plain node.
 */
export function forkFleet(
  options: Omit<FleetOptions, 'log' | 'onChange'>,
  onStatus: (status: FleetStatus) => void = () => {},
): Promise<FleetProcess> {
  const fromSources = import.meta.url.endsWith('.ts');
  const entry = fileURLToPath(new URL(`./fleet-process.${fromSources ? 'ts' : 'js'}`, import.meta.url));
  const child = fork(entry, [], {
    execArgv: fromSources ? ['--import', 'tsx'] : [],
    env: { ...process.env, NODE_EXTRA_CA_CERTS: options.caFile },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4_000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let latest: FleetStatus | undefined;

  return new Promise((resolve, reject) => {
    child.on('message', (message: ChildMessage) => {
      if (message.type === 'status' || message.type === 'ready') {
        latest = message.status;
        onStatus(message.status);
      }
      if (message.type === 'failed') {
        const text = `the simulated fleet failed to start: ${message.message}`;
        reject(message.userError ? new InputError(text, { hint: message.hint ?? 'or start the sandbox with --no-fleet' }) : new Error(text));
      }
      if (message.type !== 'ready') return;
      let stopping: Promise<void> | undefined;
      resolve({
        pid: child.pid!,
        status: () => latest!,
        stop() {
          stopping ??= (async () => {
            if (child.exitCode !== null || child.signalCode !== null) return;
            child.send({ type: 'stop' } satisfies ParentMessage);
            const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
            await exited;
            clearTimeout(timer);
          })();
          return stopping;
        },
      });
    });
    child.once('exit', (code, signal) => reject(new Error(`the simulated fleet exited during start-up (${signal ?? `code ${code}`}): ${stderr.trim().split('\n').slice(-3).join(' / ')}`)));
    child.send({ type: 'start', options } satisfies ParentMessage);
  });
}
