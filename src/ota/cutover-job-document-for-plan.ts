import { InputError } from '../errors.js';
import type { Identity, Plan } from '../plan/schema.js';
import { CUTOVER_OPERATION, CutoverJobDocumentSchema, type CutoverJobDocument } from './cutover-job-document.js';

/** AWS IoT refuses a job document over 32 KB (CreateJob's `document`). */
export const MAX_JOB_DOCUMENT_BYTES = 32 * 1024;

/** The bundle as apply packed and signed it: what the devices check before installing. */
export interface BundleFacts {
  /** Lower-case hex SHA-256 of the tar.gz. */
  sha256: string;
  size: number;
  /** Base64 ed25519 signature. */
  signature: string;
  signingKeyId: string;
}

export interface CutoverJobDocumentInput {
  plan: Plan;
  /** identities.json's devices. */
  identities: readonly Identity[];
  bundle: BundleFacts;
  /** The IoT Hub apply runs against (the connection string's HostName). */
  hubHostName: string;
  /**
   * Azure device IDs of the wave the document is for: only their renamed IDs go in, so a
   * fleet with many renamed devices stays under the 32 KB limit wave by wave. All of the
   * plan's identities when omitted.
   */
  deviceIds?: Iterable<string>;
}

/**
 * AWS IoT's documented presigned-URL placeholder for an S3 object
 * (`${aws:iot:s3-presigned-url:https://s3.<region>.amazonaws.com/<bucket>/<key>}`):
 * the Jobs service replaces it, for each device it hands the document to, with a URL
 * presigned by the job's presignedUrlConfig role. The key is URL-encoded per segment.
 */
export function presignedUrlPlaceholder(region: string, bucket: string, key: string): string {
  const path = key.split('/').map(encodeURIComponent).join('/');
  return `\${aws:iot:s3-presigned-url:https://s3.${region}.amazonaws.com/${bucket}/${path}}`;
}

/** The job document of a cutover wave, built from the plan and the signed bundle; validated. */
export function cutoverJobDocumentFor(input: CutoverJobDocumentInput): CutoverJobDocument {
  const { plan, bundle } = input;
  const firmware = plan.firmware;
  if (firmware.status !== 'planned') {
    throw new InputError('the plan has no firmware to roll out', { hint: 'plan again with --firmware-repo DIR' });
  }
  const wanted = input.deviceIds === undefined ? undefined : new Set(input.deviceIds);
  const renamed = input.identities
    .filter((identity) => identity.deviceId !== identity.thingName && (wanted === undefined || wanted.has(identity.deviceId)))
    .map((identity) => [identity.thingName, identity.deviceId] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (bundle.signingKeyId !== firmware.signing.keyId) {
    throw new InputError(`the bundle is signed with key ${bundle.signingKeyId}, but the plan's devices trust ${firmware.signing.keyId}`, {
      hint: 'run apply --stage bundle with the --signing-key plan used',
    });
  }
  return CutoverJobDocumentSchema.parse({
    operation: CUTOVER_OPERATION,
    schemaVersion: 1,
    firmware: {
      version: firmware.version,
      url: presignedUrlPlaceholder(plan.source.region, firmware.bundle.bucket, firmware.bundle.key),
      sha256: bundle.sha256,
      size: bundle.size,
      signature: bundle.signature,
      signingKeyId: bundle.signingKeyId,
      entryPoint: firmware.entryPoint,
    },
    azure: { hostName: input.hubHostName, deviceIds: Object.fromEntries(renamed) },
    connectTimeoutSeconds: plan.rollout.azureConnectTimeoutSeconds,
  });
}

/**
 * The document as CreateJob's `document` string: compact JSON (the limit counts bytes),
 * refused when over AWS's 32 KB.
 */
export function renderCutoverJobDocument(document: CutoverJobDocument): string {
  const text = JSON.stringify(document);
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_JOB_DOCUMENT_BYTES) {
    const renamed = Object.keys(document.azure.deviceIds).length;
    throw new InputError(
      `the cutover job document is ${bytes} bytes, over AWS IoT's ${MAX_JOB_DOCUMENT_BYTES}-byte limit${renamed > 0 ? ` (it names ${renamed} devices whose Azure ID differs from the thing name)` : ''}`,
      { hint: 'plan again with a smaller --wave-cap, so each wave\'s document names fewer devices' },
    );
  }
  return text;
}
