import { resolve } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { formatFaults, parseFaults, type FaultRates } from '../sandbox/faults.js';
import { globalOptionsOf } from './global-options.js';
import { runCommand } from './run-command.js';
import type { SandboxEndpoints } from '../sandbox/start-sandbox.js';

const DEFAULT_STATE_DIR = '.iotmigrate/sandbox';

interface UpFlags {
  things: string;
  stateDir: string;
  detach?: boolean;
  apiRate?: string;
  seed: string;
  host: string;
  hubHost: string;
  region: string;
  apiPort: string;
  mqttPort: string;
  s3Port: string;
  anomalies: boolean;
  fleet: boolean;
  faults?: string;
}

export function registerSandboxCommand(program: Command): void {
  const sandbox = program
    .command('sandbox')
    .description('a local AWS IoT Core (control plane, MQTT broker, shadows, jobs) and S3, seeded with a fleet, and a local Azure IoT Hub');

  sandbox
    .command('up')
    .description('start the sandbox (seeding a new estate when the state dir has none)')
    .option('--things <n>', 'things to seed in a new estate', '10')
    .option('--state-dir <dir>', 'where the estate, certificates and runtime files live', DEFAULT_STATE_DIR)
    .option('-d, --detach', 'run in the background; return once every endpoint answers')
    .option('--api-rate <r>', 'answer at most R requests/s per API operation (per operation family on the hub), throttle the rest')
    .option('--seed <s>', 'seed for the generated estate and the injected faults', '1')
    .option('--host <address>', 'loopback address of the AWS half (any of 127.0.0.0/8)', '127.0.0.1')
    .option('--hub-host <address>', 'loopback address of the Azure IoT Hub, on ports 443 and 8883 (needs root or CAP_NET_BIND_SERVICE)', '127.0.0.2')
    .option('--region <region>', 'region of the emulated account', 'us-east-1')
    .option('--api-port <port>', 'port of the control-plane and shadow REST API', '4566')
    .option('--mqtt-port <port>', 'port of the MQTT broker (mutual TLS)', '8883')
    .option('--s3-port <port>', 'port of S3 (firmware bundles, path-style)', '4567')
    .option('--no-anomalies', 'seed a tidy fleet: no thing without certificate, no shared or revoked certificate')
    .option('--no-fleet', 'run no simulated devices (by default every seeded thing with an active certificate runs the thermostat firmware and the OTA agent)')
    .option('--faults <kind=P,...>', 'inject faults with these probabilities, reproducibly with --seed: download-drop, bundle-corrupt, azure-refuse, api-throttle, device-offline')
    .action(async (flags: UpFlags, command: Command) => {
      const options = parseUpFlags(flags);
      const globals = globalOptionsOf(command);
      const { readRunningSandbox } = await import('../sandbox/runtime-record.js');
      const running = await readRunningSandbox(options.stateDir);
      await runCommand('sandbox up', globals, async ({ emit, signal }) => {
        if (running) {
          if (!flags.detach) {
            throw new UsageError(`a sandbox is already running from ${options.stateDir} (pid ${running.pid})`, {
              hint: 'stop it with `iotmigrate sandbox down`, or use another --state-dir',
            });
          }
          emit({ type: 'result', command: 'sandbox up', lines: [`sandbox already running (pid ${running.pid}) on ${running.host}`] });
          return { counts: { things: running.things } };
        }
        if (flags.detach) {
          const { startDetachedSandbox } = await import('../sandbox/sandbox-daemon.js');
          const childArgs = process.argv.slice(2).filter((arg) => arg !== '--detach' && arg !== '-d' && arg !== '--json');
          const record = await startDetachedSandbox(options.stateDir, childArgs);
          emit({ type: 'result', command: 'sandbox up', lines: describeRunning(record) });
          return { counts: { things: record.things } };
        }
        const { startSandbox } = await import('../sandbox/start-sandbox.js');
        const started = await startSandbox({ ...options, onEvent: emit });
        emit({
          type: 'result',
          command: 'sandbox up',
          lines: [
            ...describeRunning({
              pid: process.pid,
              endpoints: started.endpoints,
              things: Object.keys(started.store.estate.things).length,
              faults: started.faults.any ? { rates: started.faults.rates, seed: started.seed } : undefined,
            }),
            ...(started.fleet ? [`  ${(await import('../sim-devices/fleet-status.js')).formatFleetStatus(started.fleet.status())}`] : []),
            'Press Ctrl-C to stop.',
          ],
        });
        await new Promise<void>((resolveWait) => signal.addEventListener('abort', () => resolveWait(), { once: true }));
        await started.stop();
        return { counts: { things: Object.keys(started.store.estate.things).length } };
      }).catch((error: unknown) => {
        // Ctrl-C is how a foreground sandbox is meant to stop.
        if ((error as Error).name !== 'InterruptedError') throw error;
      });
    });

  sandbox
    .command('env')
    .description('print `export` lines that point the AWS and Azure SDKs and iotmigrate at the sandbox')
    .option('--state-dir <dir>', 'state dir of the running sandbox', DEFAULT_STATE_DIR)
    .action(async (flags: { stateDir: string }, command: Command) => {
      const record = await requireRunning(flags.stateDir);
      const { formatEnvExports } = await import('../sandbox/runtime-record.js');
      process.stdout.write(
        globalOptionsOf(command).json ? `${JSON.stringify(record.env)}\n` : `${formatEnvExports(record.env)}\n`,
      );
    });

  sandbox
    .command('status')
    .description('show whether the sandbox runs, its endpoints and its limits')
    .option('--state-dir <dir>', 'state dir of the sandbox', DEFAULT_STATE_DIR)
    .action(async (flags: { stateDir: string }, command: Command) => {
      const { describeSandboxStatus } = await import('../sandbox/sandbox-status.js');
      const status = await describeSandboxStatus(resolve(flags.stateDir));
      process.stdout.write(globalOptionsOf(command).json ? `${JSON.stringify(status.record ?? { running: false })}\n` : `${status.lines.join('\n')}\n`);
    });

  sandbox
    .command('down')
    .description('stop the sandbox; its estate stays in the state dir for the next `up`')
    .option('--state-dir <dir>', 'state dir of the sandbox', DEFAULT_STATE_DIR)
    .action(async (flags: { stateDir: string }) => {
      const { stopRunningSandbox } = await import('../sandbox/sandbox-daemon.js');
      const stopped = await stopRunningSandbox(resolve(flags.stateDir));
      process.stderr.write(stopped ? `sandbox stopped (pid ${stopped.pid})\n` : `no sandbox is running from ${flags.stateDir}\n`);
    });
}

function parseUpFlags(flags: UpFlags) {
  const things = wholeNumber('--things', flags.things, 0, 1_000_000);
  const faults = flags.faults === undefined ? undefined : parseFaults(flags.faults);
  const seed = wholeNumber('--seed', flags.seed, 0, 2 ** 32 - 1);
  const apiRate = flags.apiRate === undefined ? undefined : wholeNumber('--api-rate', flags.apiRate, 1, 1_000_000);
  const api = wholeNumber('--api-port', flags.apiPort, 0, 65535);
  const mqtt = wholeNumber('--mqtt-port', flags.mqttPort, 0, 65535);
  const s3 = wholeNumber('--s3-port', flags.s3Port, 0, 65535);
  const host = loopbackAddress('--host', flags.host);
  const hubHost = loopbackAddress('--hub-host', flags.hubHost);
  if (hubHost === host) {
    throw new UsageError(`--hub-host must differ from --host (both are ${host})`, {
      hint: 'the AWS broker and the IoT Hub both use port 8883, so each needs an address of its own',
    });
  }
  return {
    stateDir: resolve(flags.stateDir),
    things,
    seed,
    apiRate,
    host,
    hubHost,
    region: flags.region,
    ports: { api, mqtt, s3 },
    anomalies: flags.anomalies,
    // One simulated device per seeded thing with an active certificate, running the default firmware.
    fleet: flags.fleet ? {} : undefined,
    faults,
  };
}

function loopbackAddress(flag: string, value: string): string {
  if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(value) || value.split('.').some((octet) => Number(octet) > 255)) {
    throw new UsageError(`${flag} must be a loopback IPv4 address (127.x.y.z), got "${value}"`, {
      hint: 'the sandbox never listens beyond this machine',
    });
  }
  return value;
}

function wholeNumber(flag: string, value: string, min: number, max: number): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, got "${value}"`);
  }
  return parsed;
}

async function requireRunning(stateDir: string) {
  const { readRunningSandbox } = await import('../sandbox/runtime-record.js');
  const record = await readRunningSandbox(resolve(stateDir));
  if (!record) {
    throw new UsageError(`no sandbox is running from ${stateDir}`, {
      hint: 'start one with `iotmigrate sandbox up --detach` (or pass the --state-dir it was started with)',
    });
  }
  return record;
}

function describeRunning(record: { pid: number; endpoints: SandboxEndpoints; things: number; faults?: { rates: FaultRates; seed: number } }): string[] {
  const { endpoints } = record;
  return [
    `sandbox running (pid ${record.pid}) with ${record.things} things`,
    `  AWS IoT API (control plane + shadows)  ${endpoints.iotApi}`,
    `  MQTT broker (mutual TLS, MQTT 3.1.1)    mqtts://${endpoints.iotDataHost}:${endpoints.mqttPort}`,
    `  S3 (firmware bundles, path-style)       ${endpoints.s3Api}`,
    `  Azure IoT Hub service API (HTTPS)       https://${endpoints.iotHubHostName}${endpoints.iotHubHttpsPort === 443 ? '' : `:${endpoints.iotHubHttpsPort}`}`,
    `  Azure IoT Hub devices (MQTT over TLS)   mqtts://${endpoints.iotHubHostName}:${endpoints.iotHubMqttPort}`,
    ...(record.faults ? [`  Injecting faults: ${formatFaults(record.faults.rates)} (seed ${record.faults.seed})`] : []),
    `Point the AWS and Azure SDKs at it: eval "$(iotmigrate sandbox env)"`,
  ];
}
