import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import { firmwareTreeDigest, sha256Hex } from '../ota/bundle.js';
import type { BundleObjectStore } from '../ota/s3-bundle-store.js';
import type { ApplyStage, StageContext, StageOutcome } from './apply-stage.js';
import { plannedFirmware, recordedBundle, recordedUpload, recordUpload, type RecordedBundle } from './firmware-bundle-record.js';

export interface UploadStageOptions {
  /**
   * The S3 side, opened only when the stage runs with firmware to upload, so the S3 SDK
   * loads only then. `region` is the fleet's (the plan's source region): the bucket
   * lives there, next to the AWS IoT jobs that presign its URLs.
   */
  openStore(region: string): Promise<BundleObjectStore>;
}

/**
 * `apply --stage upload`: the bundle the bundle stage recorded, uploaded to the plan's
 * bucket and key (the bucket created when missing), with its SHA-256 in the object's
 * metadata. Nothing is uploaded when the object already carries that SHA-256, so a
 * re-run, or a run after a kill, costs one HeadObject.
 */
export function uploadStage(options: UploadStageOptions): ApplyStage {
  return {
    name: 'upload',
    title: 'Uploading the firmware bundle to S3',

    preview({ plan, store }) {
      const firmware = plannedFirmware(plan.plan);
      if (!firmware) return { lines: ['upload: skipped: the plan has no firmware bundle to upload'], writes: false };
      const target = `s3://${firmware.bundle.bucket}/${firmware.bundle.key}`;
      const upload = recordedUpload(store);
      const bundle = recordedBundle(store);
      const uploaded = bundle && upload && upload.sha256 === bundle.sha256 && upload.bucket === firmware.bundle.bucket && upload.key === firmware.bundle.key;
      // Uploaded, and still what plan/firmware packs to (else the bundle stage packs anew first).
      if (uploaded && bundle.firmwareDigest === firmwareTreeDigest(join(plan.dir, firmware.directory))) {
        return { lines: [`upload: the bundle is in ${target} already`], writes: false };
      }
      return { lines: [`upload: the signed bundle to ${target} (region ${plan.plan.source.region}; the bucket is created if missing)`], writes: true };
    },

    async run(context): Promise<StageOutcome> {
      const { plan } = context;
      const firmware = plannedFirmware(plan.plan);
      if (!firmware) return { lines: ['Upload: skipped: the plan has no firmware bundle to upload'], counts: { skipped: 1 }, notDone: [] };
      const bundle = currentBundleOrThrow(context, join(plan.dir, firmware.directory), firmware.signing.keyId);
      const data = await bundleBytesOrThrow(bundle);
      const { bucket, key } = firmware.bundle;
      const target = `s3://${bucket}/${key}`;

      context.signal.throwIfAborted();
      const store = await options.openStore(plan.plan.source.region);
      try {
        const present = await store.objectSha256(bucket, key);
        if (present === bundle.sha256) {
          recordUpload(context.store, { sha256: bundle.sha256, bucket, key });
          return { lines: [`Upload: ${target} holds this bundle already (sha256 ${bundle.sha256}): nothing uploaded`], counts: { uploaded: 0, bucketCreated: 0 }, notDone: [] };
        }
        context.signal.throwIfAborted();
        const created = await store.ensureBucket(bucket);
        await store.putBundle(bucket, key, data, bundle.sha256);
        recordUpload(context.store, { sha256: bundle.sha256, bucket, key });
        return {
          lines: [
            `Upload: ${bundle.size} bytes to ${target}${created ? ` (bucket ${bucket} created)` : ''}${present === undefined ? '' : ', replacing an object with another bundle'}`,
            `  AWS IoT presigns its URL per device with ${firmware.presignRoleArn}: that role must exist and may read the object`,
          ],
          counts: { uploaded: 1, bytes: bundle.size, bucketCreated: created ? 1 : 0 },
          notDone: [],
        };
      } finally {
        store.close();
      }
    },
  };
}

/** The recorded bundle, when it was packed from plan/firmware as it is now, with the plan's key. */
function currentBundleOrThrow({ store }: Pick<StageContext, 'store'>, firmwareDirectory: string, keyId: string): RecordedBundle {
  const bundle = recordedBundle(store);
  if (!bundle || bundle.signingKeyId !== keyId || bundle.firmwareDigest !== firmwareTreeDigest(firmwareDirectory)) {
    throw new InputError(`the firmware bundle is not packed from ${firmwareDirectory} as it is now`, { hint: 'run iotmigrate apply --stage bundle first' });
  }
  return bundle;
}

async function bundleBytesOrThrow(bundle: RecordedBundle): Promise<Buffer> {
  const data = await readFile(bundle.path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (!data || sha256Hex(data) !== bundle.sha256) {
    throw new InputError(`the firmware bundle ${bundle.path} is ${data ? 'not the one recorded (its SHA-256 differs)' : 'gone'}`, {
      hint: 'run iotmigrate apply --stage bundle again: it packs it anew',
    });
  }
  return data;
}
