/**
 * The simulated fleet (ARCHITECTURE.md's top-level `sim-devices/`; it lives in
 * src/sim-devices/ because src/ is the build root). `startFleet` runs many devices in
 * this process, each with its own certificate, key and MQTT connections, executing the
 * real firmware under the convention in firmware-runner.ts, with the OTA update agent
 * (update-agent.ts) beside each. `sandbox up` runs it in a child process (fork-fleet.ts).
 *
 * Devices running the Azure firmware trust IoT Hub through the process's CA store:
 * azure-iot-device takes no CA option from the rewritten firmware, so the process must
 * start with NODE_EXTRA_CA_CERTS naming the sandbox root CA (forkFleet sets it).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mqtt } from 'aws-iot-device-sdk-v2';
import { InputError } from '../errors.js';
import { readSigningKey } from '../ota/signing-key.js';
import { forEachConcurrently } from '../pacing/pool.js';
import { FaultInjector, NO_FAULTS, type FaultRates } from '../sandbox/faults.js';
import { FleetFileSchema, type DeviceProfile } from './device-profile.js';
import { OFFLINE_CHECK_INTERVAL_MS } from './device-offline.js';
import { factoryImage } from './firmware-image.js';
import { summarizeFleet, type FleetStatus } from './fleet-status.js';
import { SimulatedDevice, type FleetContext } from './simulated-device.js';

export const DEFAULT_FIRMWARE_DIR = fileURLToPath(new URL('../../fixtures/firmware-repos/thermostat-v2', import.meta.url));
export const DEFAULT_ENTRY_POINT = 'src/main.ts';
export const FLEET_FILE = 'fleet.json';
/** The factory version of a device whose thing carries no firmwareVersion attribute. */
export const DEFAULT_FIRMWARE_VERSION = '1.0.0';

export interface FleetOptions {
  /** The sandbox state dir: devices' credentials and slots under devices/<thing>/, images under fleet/. */
  stateDir: string;
  devices: Array<{ thingName: string; firmwareVersion?: string }>;
  /** The AWS IoT data endpoint the factory firmware and the agents connect to. */
  aws: { endpoint: string; port: number };
  /** The root CA the devices trust (the sandbox's), for MQTT and bundle downloads. */
  caFile: string;
  /** The vendor's firmware signing key; devices trust its public half. */
  signingKeyFile: string;
  /** The factory firmware's source tree and entry module. */
  firmwareDir?: string;
  entryPoint?: string;
  /** Per-device profiles, over those in <stateDir>/fleet.json. */
  profiles?: Record<string, DeviceProfile>;
  telemetryIntervalMs?: number;
  faults?: FaultRates;
  seed?: number;
  /** How often an online device draws for the device-offline fault; a minute unless set. */
  offlineCheckIntervalMs?: number;
  /** Devices booting at once. */
  startConcurrency?: number;
  log?: (line: string) => void;
  /** Called (at most every 250 ms) when a device changes state. */
  onChange?: (status: FleetStatus) => void;
}

export interface Fleet {
  status(): FleetStatus;
  devices(): ReturnType<SimulatedDevice['status']>[];
  stop(): Promise<void>;
}

export async function startFleet(options: FleetOptions): Promise<Fleet> {
  const fleetDir = join(options.stateDir, 'fleet');
  const key = await readSigningKey(options.signingKeyFile);
  const factory = await factoryImage(fleetDir, options.firmwareDir ?? DEFAULT_FIRMWARE_DIR, options.entryPoint ?? DEFAULT_ENTRY_POINT);
  const profiles = { ...(await readFleetFile(options.stateDir)), ...options.profiles };
  const log = options.log ?? (() => {});
  let changeTimer: NodeJS.Timeout | undefined;
  const devices: SimulatedDevice[] = [];
  const status = () => summarizeFleet(devices.map((device) => device.status()));

  const context: FleetContext = {
    stateDir: options.stateDir,
    fleetDir,
    aws: options.aws,
    caPath: options.caFile,
    caPem: await readFile(options.caFile, 'utf8'),
    trustedKey: { publicKey: key!.publicKey, keyId: key!.keyId },
    factory,
    ...(options.telemetryIntervalMs !== undefined ? { telemetryIntervalMs: options.telemetryIntervalMs } : {}),
    faults: new FaultInjector(options.faults ?? NO_FAULTS, options.seed ?? 1),
    offlineCheckIntervalMs: options.offlineCheckIntervalMs ?? OFFLINE_CHECK_INTERVAL_MS,
    crtClient: new mqtt.MqttClient(),
    log: (thingName, message) => log(`${thingName}: ${message}`),
    changed: () => {
      if (!options.onChange || changeTimer) return;
      changeTimer = setTimeout(() => {
        changeTimer = undefined;
        options.onChange!(status());
      }, 250);
    },
  };
  for (const device of options.devices) {
    devices.push(
      new SimulatedDevice(context, {
        thingName: device.thingName,
        firmwareVersion: device.firmwareVersion ?? DEFAULT_FIRMWARE_VERSION,
        profile: profiles[device.thingName] ?? {},
      }),
    );
  }
  await forEachConcurrently(devices, options.startConcurrency ?? 200, (device) => device.boot());
  log(`fleet of ${devices.length} devices up on image ${factory.id.slice(0, 12)}`);

  let stopping: Promise<void> | undefined;
  return {
    status,
    devices: () => devices.map((device) => device.status()),
    stop() {
      stopping ??= (async () => {
        clearTimeout(changeTimer);
        await forEachConcurrently(devices, 200, (device) => device.stop());
      })();
      return stopping;
    },
  };
}

async function readFleetFile(stateDir: string): Promise<Record<string, DeviceProfile>> {
  const file = join(stateDir, FLEET_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
  const parsed = FleetFileSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new InputError(`${file} is not a fleet file: ${parsed.error.issues[0]?.message}`, { hint: 'it holds {"devices": {"<thing>": {"batteryPercent": 15}}}' });
  return parsed.data.devices;
}
