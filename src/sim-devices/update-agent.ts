import type { KeyObject } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
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
  jobs: JobsChannel;
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

/**
 * Runs one job execution through the cutover, reporting each step in statusDetails:
 * rejected when the device cannot take it; downloading → verifying → installing →
 * connecting-azure → switched (SUCCEEDED) when all goes well; FAILED with the failing
 * step and reason otherwise, the old firmware running on all along (never bricked);
 * rolled-back (FAILED) when the new firmware did not reach IoT Hub within the job's
 * connectTimeoutSeconds.
 */
export async function runCutover(host: CutoverHost, execution: JobExecution): Promise<void> {
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
      bundle = await downloadBundle(document.firmware.url, { ca: host.caPem, maxBytes: document.firmware.size, timeoutMs: DOWNLOAD_TIMEOUT_MS });
    } catch (error) {
      return void (await fail('downloading', errorText(error)));
    }
    await report('IN_PROGRESS', { step: 'verifying', firmwareVersion: oldVersion });
    const refusal = bundleRefusal(bundle, document.firmware, host.trustedKey.publicKey);
    if (refusal) return void (await fail('verifying', refusal));

    await report('IN_PROGRESS', { step: 'installing', firmwareVersion: oldVersion });
    let image: FirmwareImage;
    try {
      image = await bundleImage(host.fleetDir, document.firmware.sha256, await readBundleFiles(bundle), document.firmware.entryPoint);
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
    const outcome = await startWithinDeadline(image, options, Date.now() + document.connectTimeoutSeconds * 1000);
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
  image: FirmwareImage,
  options: FirmwareStartOptions,
  deadlineMs: number,
): Promise<{ running: RunningFirmware } | { lastError: string }> {
  let lastError = 'no attempt fitted in the time allowed';
  for (let attempt = 1; ; attempt += 1) {
    const remaining = deadlineMs - Date.now();
    if (remaining <= 0) return { lastError };
    const starting = startFirmware(image, options);
    const timedOut = Symbol('timed out');
    const timer = sleep(remaining, timedOut, { ref: false });
    try {
      const result = await Promise.race([starting, timer]);
      if (result !== timedOut) return { running: result as RunningFirmware };
      lastError = `connection attempt still pending after ${Math.round(remaining / 1000)} s`;
      starting.then((late) => late.stop()).catch(() => {});
      return { lastError };
    } catch (error) {
      lastError = errorText(error);
    }
    const delay = nextConnectDelayMs(attempt, Date.now(), deadlineMs);
    if (delay === undefined) return { lastError };
    await sleep(delay);
  }
}
