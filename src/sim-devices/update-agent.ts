import type { KeyObject } from 'node:crypto';
import type { CutoverJobDocument, CutoverStatusDetails } from '../ota/cutover-job-document.js';
import { readBundleFiles } from '../ota/bundle.js';
import { downloadBundle } from './bundle-download.js';
import { errorText } from './error-text.js';
import { bundleRefusal, decideOnJob, nextConnectDelayMs } from './cutover-checks.js';
import type { DeviceProfile } from './device-profile.js';
import { bundleImage, type FirmwareImage } from './firmware-image.js';
import { startFirmware, type FirmwareStartOptions, type RunningFirmware } from './firmware-runner.js';
import type { JobExecution, JobsChannel } from './jobs-channel.js';
import type { Slot } from './slots.js';

/** IoT Hub's device MQTT port; the rewritten firmware's azure-iot-device always uses it. */
export const IOT_HUB_MQTT_PORT = 8883;
const DOWNLOAD_TIMEOUT_MS = 120_000;

/** What the agent needs of the device it runs on. */
export interface CutoverHost {
  thingName: string;
  certPath: string;
  keyPath: string;
  caPath: string;
  caPem: string;
  fleetDir: string;
  profile: DeviceProfile;
  trustedKey: { publicKey: KeyObject; keyId: string };
  telemetryIntervalMs?: number;
  jobs: Pick<JobsChannel, 'update'>;
  /** The slot running now. */
  activeSlot(): Slot;
  /** The agent started working on a job (the device counts as updating). */
  updating(active: boolean): void;
  /** Records the new firmware in the other slot, not active yet (a restart would boot the old one). */
  stageSlot(slot: Slot): Promise<void>;
  /**
   * Make before break, the break: the new firmware runs and has reported, the execution
   * is SUCCEEDED. Make it the active slot, stop the old firmware, drop AWS.
   */
  switchTo(running: RunningFirmware, slot: Slot): Promise<void>;
  /** The new firmware never reached IoT Hub: make sure the old slot runs and AWS is connected. */
  rollBack(): Promise<void>;
  log(message: string): void;
}

/** The agent's hands: fetching, installing and starting firmware. Tests pass fakes. */
export interface CutoverIo {
  download(url: string, options: { ca: string; maxBytes: number; timeoutMs: number }): Promise<Buffer>;
  install(fleetDir: string, bundle: Buffer, document: CutoverJobDocument): Promise<FirmwareImage>;
  start(image: FirmwareImage, options: FirmwareStartOptions): Promise<RunningFirmware>;
  /** Resolves after `ms`, or never once `signal` aborts (the timer is then cleared). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  now(): number;
}

export const DEVICE_IO: CutoverIo = {
  download: downloadBundle,
  install: (fleetDir, bundle, document) => bundleImage(fleetDir, document.firmware.sha256, () => readBundleFiles(bundle), document.firmware.entryPoint),
  start: startFirmware,
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      signal?.addEventListener('abort', () => clearTimeout(timer), { once: true });
    }),
  now: () => Date.now(),
};

/**
 * Runs one job execution through the cutover, reporting each step in statusDetails:
 * rejected when the device cannot take it; downloading → verifying → installing →
 * connecting-azure → switched (SUCCEEDED) when all goes well; FAILED with the failing
 * step and reason otherwise, the old firmware running on all along (never bricked);
 * rolled-back (FAILED) when the new firmware did not reach IoT Hub within the job's
 * connectTimeoutSeconds.
 */
export async function runCutover(host: CutoverHost, execution: JobExecution, io: CutoverIo = DEVICE_IO): Promise<void> {
  const { jobs } = host;
  const jobId = execution.jobId;
  const decision = decideOnJob(execution.jobDocument, host.profile, host.trustedKey.keyId);
  const oldVersion = host.activeSlot().firmwareVersion;
  const report = (status: string, details: CutoverStatusDetails, extra: { includeJobDocument?: boolean } = {}) =>
    jobs.update(jobId, { status, statusDetails: details, ...extra });
  if ('reject' in decision) {
    host.log(`rejects job ${jobId}: ${decision.reject}`);
    await report('REJECTED', { step: 'rejected', reason: decision.reject, firmwareVersion: oldVersion });
    return;
  }
  host.updating(true);
  try {
    // Starting the execution hands back the document again with a freshly presigned URL.
    const started = await report('IN_PROGRESS', { step: 'downloading', firmwareVersion: oldVersion }, { includeJobDocument: true });
    const document = freshDocument(started.jobDocument, decision.take);
    const fail = (step: CutoverStatusDetails['step'], reason: string) => {
      host.log(`job ${jobId} failed at ${step}: ${reason}`);
      return report('FAILED', { step, reason, firmwareVersion: oldVersion });
    };

    let bundle: Buffer;
    try {
      bundle = await io.download(document.firmware.url, { ca: host.caPem, maxBytes: document.firmware.size, timeoutMs: DOWNLOAD_TIMEOUT_MS });
    } catch (error) {
      return void (await fail('downloading', errorText(error)));
    }
    await report('IN_PROGRESS', { step: 'verifying', firmwareVersion: oldVersion });
    const refusal = bundleRefusal(bundle, document.firmware, host.trustedKey.publicKey);
    if (refusal) return void (await fail('verifying', refusal));

    await report('IN_PROGRESS', { step: 'installing', firmwareVersion: oldVersion });
    let image: FirmwareImage;
    try {
      image = await io.install(host.fleetDir, bundle, document);
    } catch (error) {
      return void (await fail('installing', errorText(error)));
    }
    const hubHostName = document.azure.hostName;
    const slot: Slot = { imageId: image.id, firmwareVersion: document.firmware.version, cloud: 'azure', hubHostName };
    await host.stageSlot(slot);

    await report('IN_PROGRESS', { step: 'connecting-azure', firmwareVersion: oldVersion });
    const options: FirmwareStartOptions = {
      thingName: document.azure.deviceIds[host.thingName] ?? host.thingName,
      endpoint: hubHostName,
      port: IOT_HUB_MQTT_PORT,
      certPath: host.certPath,
      keyPath: host.keyPath,
      caPath: host.caPath,
      firmwareVersion: document.firmware.version,
      ...(host.telemetryIntervalMs !== undefined ? { telemetryIntervalMs: host.telemetryIntervalMs } : {}),
    };
    const outcome = await startWithinDeadline(io, image, options, io.now() + document.connectTimeoutSeconds * 1000);
    if ('running' in outcome) {
      await report('SUCCEEDED', { step: 'switched', firmwareVersion: document.firmware.version }).catch((error: unknown) =>
        // The device is on IoT Hub either way; apply also checks the hub side before it calls a device verified.
        host.log(`job ${jobId}: SUCCEEDED not acknowledged: ${errorText(error)}`),
      );
      await host.switchTo(outcome.running, slot);
      return;
    }
    await host.rollBack();
    await fail('rolled-back', `IoT Hub ${hubHostName} not reached within ${document.connectTimeoutSeconds} s: ${outcome.lastError}`);
  } finally {
    host.updating(false);
  }
}

/** The document as handed out on start (presigned URL fresh), when it still parses as the same cutover. */
function freshDocument(handedOut: unknown, original: CutoverJobDocument): CutoverJobDocument {
  const url = (handedOut as { firmware?: { url?: unknown } } | undefined)?.firmware?.url;
  return typeof url === 'string' ? { ...original, firmware: { ...original.firmware, url } } : original;
}

/**
 * Starts the new firmware, retrying with backoff until the deadline. An attempt still
 * pending at the deadline is abandoned; should it connect later, it is stopped.
 */
async function startWithinDeadline(
  io: CutoverIo,
  image: FirmwareImage,
  options: FirmwareStartOptions,
  deadlineMs: number,
): Promise<{ running: RunningFirmware } | { lastError: string }> {
  let lastError = 'no attempt fitted in the time allowed';
  for (let attempt = 1; ; attempt += 1) {
    const remaining = deadlineMs - io.now();
    if (remaining <= 0) return { lastError };
    const starting = io.start(image, options);
    const timedOut = Symbol('timed out');
    const settled = new AbortController();
    const timer = io.sleep(remaining, settled.signal).then(() => timedOut);
    try {
      const result = await Promise.race([starting, timer]);
      if (result !== timedOut) return { running: result as RunningFirmware };
      lastError = `connection attempt still pending after ${Math.round(remaining / 1000)} s`;
      starting.then((late) => late.stop()).catch(() => {});
      return { lastError };
    } catch (error) {
      lastError = errorText(error);
    } finally {
      settled.abort();
    }
    const delay = nextConnectDelayMs(attempt, io.now(), deadlineMs);
    if (delay === undefined) return { lastError };
    await io.sleep(delay);
  }
}
