import { spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import type { FirmwareImage } from './firmware-image.js';

/**
 * The convention a firmware module follows so many devices run in one Node process:
 * its entry exports `start(options)` taking FirmwareStartOptions and returning
 * `Promise<{ stop(): Promise<void> }>`, it holds no module-level state (one module
 * instance serves every device on the image), and `start` resolves only once the device
 * is connected and has reported its state (its firmwareVersion). thermostat-v2 and its
 * rewrite follow it. Firmware that does not export `start` runs one `node` process per
 * device with the environment such firmware reads (THING_NAME, AWS_IOT_ENDPOINT and
 * IOTHUB_HOSTNAME, AWS_IOT_PORT, CERT_PATH, KEY_PATH, CA_PATH).
 */
export interface FirmwareStartOptions {
  thingName: string;
  endpoint: string;
  port: number;
  certPath: string;
  keyPath: string;
  caPath: string;
  firmwareVersion: string;
  telemetryIntervalMs?: number;
}

export interface RunningFirmware {
  stop(): Promise<void>;
}

interface FirmwareModule {
  start(options: FirmwareStartOptions): Promise<RunningFirmware>;
}

/**
 * How long a process-per-device firmware must stay up before it counts as started: its
 * connection cannot be observed from outside, so surviving start-up is the best sign.
 */
const PROCESS_SETTLE_MS = 3_000;

export async function startFirmware(image: FirmwareImage, options: FirmwareStartOptions): Promise<RunningFirmware> {
  if (!image.exportsStart) return startFirmwareProcess(image, options);
  const module = (await import(pathToFileURL(image.entryFile).href)) as Partial<FirmwareModule>;
  if (typeof module.start !== 'function') throw new Error(`${image.entryFile} does not export start()`);
  return module.start(options);
}

function startFirmwareProcess(image: FirmwareImage, options: FirmwareStartOptions): Promise<RunningFirmware> {
  const child = spawn(process.execPath, [image.entryFile], {
    cwd: image.dir,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      ...process.env,
      THING_NAME: options.thingName,
      AWS_IOT_ENDPOINT: options.endpoint,
      IOTHUB_HOSTNAME: options.endpoint,
      AWS_IOT_PORT: String(options.port),
      CERT_PATH: options.certPath,
      KEY_PATH: options.keyPath,
      CA_PATH: options.caPath,
      FIRMWARE_VERSION: options.firmwareVersion,
      NODE_EXTRA_CA_CERTS: options.caPath,
    },
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2_000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  return new Promise((resolve, reject) => {
    const settled = setTimeout(() => resolve({ stop }), PROCESS_SETTLE_MS);
    child.once('error', (error) => {
      clearTimeout(settled);
      reject(error);
    });
    void exited.then((code) => {
      clearTimeout(settled);
      reject(new Error(`firmware process exited with code ${code}: ${stderr.trim().split('\n').at(-1) ?? ''}`));
    });
  });
}
