import { join } from 'node:path';
import { z } from 'zod';
import { InputError } from '../errors.js';
import { firmwareTreeDigest } from '../ota/bundle.js';
import { cutoverJobDocumentFor } from '../ota/cutover-job-document-for-plan.js';
import type { CutoverJobDocument } from '../ota/cutover-job-document.js';
import type { LoadedPlan } from '../plan/load-plan-directory.js';
import type { Plan } from '../plan/schema.js';
import type { StateStore } from '../state/state-store.js';

/**
 * What the bundle and upload stages leave in the state store's meta table, so each
 * resumes (a re-run redoes nothing that is done) and the rollout builds its job
 * documents from the bundle that is actually in S3.
 */
const BUNDLE_META_KEY = 'firmware-bundle';
const UPLOAD_META_KEY = 'firmware-bundle-upload';

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/);

export const RecordedBundleSchema = z.object({
  sha256: Sha256,
  size: z.number().int().positive(),
  signature: z.string().min(1),
  signingKeyId: Sha256,
  /** The tar.gz in the state dir. */
  path: z.string(),
  /** firmwareTreeDigest of plan/firmware when it was packed: a different one means pack again. */
  firmwareDigest: Sha256,
});
export type RecordedBundle = z.infer<typeof RecordedBundleSchema>;

export const RecordedUploadSchema = z.object({ sha256: Sha256, bucket: z.string(), key: z.string() });
export type RecordedUpload = z.infer<typeof RecordedUploadSchema>;

export function recordedBundle(store: StateStore): RecordedBundle | undefined {
  return parsedMeta(store, BUNDLE_META_KEY, RecordedBundleSchema);
}

export function recordBundle(store: StateStore, bundle: RecordedBundle): void {
  store.setMeta(BUNDLE_META_KEY, JSON.stringify(bundle));
}

export function recordedUpload(store: StateStore): RecordedUpload | undefined {
  return parsedMeta(store, UPLOAD_META_KEY, RecordedUploadSchema);
}

export function recordUpload(store: StateStore, upload: RecordedUpload): void {
  store.setMeta(UPLOAD_META_KEY, JSON.stringify(upload));
}

/** The plan's firmware section when it has firmware to ship, else undefined. */
export function plannedFirmware(plan: Plan): Extract<Plan['firmware'], { status: 'planned' }> | undefined {
  return plan.firmware.status === 'planned' ? plan.firmware : undefined;
}

/**
 * The bundle the rollout ships: packed for the plan's signing key and uploaded to the
 * plan's bucket and key. Throws an InputError naming the stage to run when the plan has
 * no firmware, or the bundle or its upload is missing or stale. It does not re-read
 * plan/firmware; cutoverJobDocumentForRun does.
 */
export function uploadedBundleOrThrow(plan: Plan, store: StateStore): RecordedBundle {
  const firmware = plannedFirmware(plan);
  if (!firmware) {
    throw new InputError('the plan has no firmware, so there is nothing to roll out', { hint: 'plan again with --firmware-repo DIR, then apply' });
  }
  const bundle = recordedBundle(store);
  if (!bundle || bundle.signingKeyId !== firmware.signing.keyId) {
    throw new InputError('the firmware bundle has not been packed and signed for this plan', { hint: 'run iotmigrate apply --stage bundle first' });
  }
  const upload = recordedUpload(store);
  if (!upload || upload.sha256 !== bundle.sha256 || upload.bucket !== firmware.bundle.bucket || upload.key !== firmware.bundle.key) {
    throw new InputError(`the firmware bundle is not in s3://${firmware.bundle.bucket}/${firmware.bundle.key} yet`, {
      hint: 'run iotmigrate apply --stage upload first',
    });
  }
  return bundle;
}

/**
 * The cutover job document for this run: the plan's firmware, the uploaded bundle's
 * SHA-256, size and signature, the hub apply runs against. `deviceIds` (a wave's Azure
 * device IDs) keeps the renamed-device map to that wave. Throws an InputError naming
 * the stages to run when plan/firmware changed since the bundle was packed. Render it with
 * renderCutoverJobDocument, which enforces AWS's 32 KB limit.
 */
export function cutoverJobDocumentForRun(
  context: { plan: LoadedPlan; store: StateStore },
  hubHostName: string,
  deviceIds?: Iterable<string>,
): CutoverJobDocument {
  const bundle = uploadedBundleOrThrow(context.plan.plan, context.store);
  // Never roll out a bundle of an earlier plan/firmware: the plan under review is what ships.
  const directory = join(context.plan.dir, plannedFirmware(context.plan.plan)!.directory);
  if (bundle.firmwareDigest !== firmwareTreeDigest(directory)) {
    throw new InputError(`${directory} changed since the bundle in S3 was packed`, {
      hint: 'run iotmigrate apply --stage bundle and --stage upload first (or apply without --stage)',
    });
  }
  return cutoverJobDocumentFor({
    plan: context.plan.plan,
    identities: context.plan.identities,
    bundle: { sha256: bundle.sha256, size: bundle.size, signature: bundle.signature, signingKeyId: bundle.signingKeyId },
    hubHostName,
    ...(deviceIds === undefined ? {} : { deviceIds }),
  });
}

function parsedMeta<T>(store: StateStore, key: string, schema: z.ZodType<T>): T | undefined {
  const text = store.meta(key);
  if (text === undefined) return undefined;
  // A record from another version or torn by hand counts as absent: its stage runs again.
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
