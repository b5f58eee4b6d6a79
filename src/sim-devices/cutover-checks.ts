import { createHash, type KeyObject } from 'node:crypto';
import { bundleSignatureValid } from '../ota/signing-key.js';
import { CUTOVER_OPERATION, CutoverJobDocumentSchema, type CutoverJobDocument } from '../ota/cutover-job-document.js';
import { MIN_BATTERY_PERCENT, type DeviceProfile } from './device-profile.js';

/**
 * The update agent's decisions, free of I/O: whether it takes a job, whether a
 * downloaded bundle may be installed, and how it paces its attempts to reach IoT Hub.
 */
export type JobDecision = { take: CutoverJobDocument } | { reject: string };

export function decideOnJob(jobDocument: unknown, profile: DeviceProfile, trustedKeyId: string): JobDecision {
  const operation = (jobDocument as { operation?: unknown } | undefined)?.operation;
  if (operation !== CUTOVER_OPERATION) return { reject: `unsupported job: operation ${JSON.stringify(operation ?? null)} is not ${CUTOVER_OPERATION}` };
  const parsed = CutoverJobDocumentSchema.safeParse(jobDocument);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { reject: `invalid cutover document at ${issue.path.join('.') || '(root)'}: ${issue.message}` };
  }
  const document = parsed.data;
  // A key the device does not trust could never verify: refuse before downloading anything.
  if (document.firmware.signingKeyId !== trustedKeyId) return { reject: `firmware signed with key ${document.firmware.signingKeyId}, the device trusts ${trustedKeyId}` };
  if (profile.rejectCutover !== undefined) return { reject: profile.rejectCutover };
  if (profile.batteryPercent !== undefined && profile.batteryPercent < MIN_BATTERY_PERCENT) {
    return { reject: `battery low (${profile.batteryPercent}% < ${MIN_BATTERY_PERCENT}%)` };
  }
  return { take: document };
}

/** Why a downloaded bundle must not be installed, or undefined when it is the one the job names, signed by the trusted key. */
export function bundleRefusal(bundle: Buffer, firmware: CutoverJobDocument['firmware'], trustedKey: KeyObject): string | undefined {
  if (bundle.length !== firmware.size) return `bundle is ${bundle.length} bytes, the job says ${firmware.size}`;
  const sha256 = createHash('sha256').update(bundle).digest('hex');
  if (sha256 !== firmware.sha256) return `bundle SHA-256 ${sha256} does not match the job's ${firmware.sha256}`;
  if (!bundleSignatureValid(bundle, firmware.signature, trustedKey)) return 'bundle signature does not verify with the trusted firmware key';
  return undefined;
}

/**
 * Delay before the next attempt to reach IoT Hub: 1 s doubling to 8 s, never past the
 * deadline (undefined when no attempt fits before it). Each attempt gets what is left.
 */
export function nextConnectDelayMs(attempt: number, nowMs: number, deadlineMs: number): number | undefined {
  const delay = Math.min(8_000, 1_000 * 2 ** Math.max(0, attempt - 1));
  return nowMs + delay < deadlineMs ? delay : undefined;
}
