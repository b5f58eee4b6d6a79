import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InputError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { firmwareTreeDigest, packSignedBundle, sha256Hex } from '../ota/bundle.js';
import type { SigningKey } from '../ota/signing-key.js';
import type { ApplyStage, StageContext, StageOutcome } from './apply-stage.js';
import { plannedFirmware, recordBundle, recordedBundle, type RecordedBundle } from './firmware-bundle-record.js';

/** Inside the state dir: the packed bundles, named by their SHA-256. */
export const BUNDLE_DIRECTORY = 'bundle';

export interface BundleStageOptions {
  /** --signing-key, for messages. */
  signingKeyFile: string;
  /** The key read from it before the run, undefined when there is no file there. */
  signingKey: SigningKey | undefined;
}

type BundleWork =
  | { kind: 'no-firmware'; reason: string }
  | { kind: 'done'; bundle: RecordedBundle }
  | { kind: 'pack'; directory: string; digest: string; key: SigningKey; previous: RecordedBundle | undefined };

/**
 * `apply --stage bundle`: plan/firmware packed into a deterministic tar.gz at
 * <state-dir>/bundle/firmware-<sha256>.tar.gz and signed with the code-signing key,
 * which must be the one whose public half the plan records (the key the devices
 * trust). The result is recorded in the state store; a re-run packs again only when
 * plan/firmware or the plan's key changed, or the recorded file is gone or altered.
 */
export function bundleStage(options: BundleStageOptions): ApplyStage {
  return {
    name: 'bundle',
    title: 'Packing and signing the firmware bundle',

    preview(context) {
      const work = bundleWork(context, options);
      switch (work.kind) {
        case 'no-firmware':
          return { lines: [`bundle: skipped: ${work.reason}`], writes: false };
        case 'done':
          return { lines: [`bundle: ${work.bundle.path} is packed and signed already`], writes: false };
        case 'pack':
          return {
            lines: [`bundle: pack ${work.directory} into ${join(context.stateDir, BUNDLE_DIRECTORY)}/ and sign it with ${options.signingKeyFile} (key ${work.key.keyId.slice(0, 16)}…)`],
            writes: true,
          };
      }
    },

    async run(context): Promise<StageOutcome> {
      const work = bundleWork(context, options);
      if (work.kind === 'no-firmware') return { lines: [`Bundle: skipped: ${work.reason}`], counts: { skipped: 1 }, notDone: [] };
      if (work.kind === 'done') {
        const { bundle } = work;
        return {
          lines: [`Bundle: ${bundle.path} (${bundle.size} bytes, sha256 ${bundle.sha256}), signed by key ${bundle.signingKeyId.slice(0, 16)}…: packed by an earlier run`],
          counts: { packed: 0, bytes: bundle.size },
          notDone: [],
        };
      }

      const packed = await packSignedBundle(work.directory, work.key);
      const path = resolve(context.stateDir, BUNDLE_DIRECTORY, `firmware-${packed.sha256}.tar.gz`);
      await writeFileAtomic(path, packed.data);
      const bundle: RecordedBundle = {
        sha256: packed.sha256,
        size: packed.size,
        signature: packed.signature,
        signingKeyId: work.key.keyId,
        path,
        firmwareDigest: work.digest,
      };
      recordBundle(context.store, bundle);
      // The record now names the new file; the one it replaces is of no further use.
      if (work.previous && work.previous.path !== path) await rm(work.previous.path, { force: true });
      return {
        lines: [
          `Bundle: ${packed.files.length} files of ${work.directory} packed into ${path}`,
          `  ${packed.size} bytes, sha256 ${packed.sha256}, ed25519 signature by key ${work.key.keyId.slice(0, 16)}… (${options.signingKeyFile})`,
        ],
        counts: { packed: 1, files: packed.files.length, bytes: packed.size },
        notDone: [],
      };
    },
  };
}

/** What the stage has to do; throws, before anything is asked or written, when it cannot sign. */
function bundleWork({ plan, store }: Pick<StageContext, 'plan' | 'store'>, options: BundleStageOptions): BundleWork {
  const firmware = plannedFirmware(plan.plan);
  if (!firmware) {
    return { kind: 'no-firmware', reason: 'the plan has no firmware (plan again with --firmware-repo DIR); the rollout cannot run without it' };
  }
  const directory = join(plan.dir, firmware.directory);
  const digest = firmwareTreeDigest(directory);
  const previous = recordedBundle(store);
  if (previous && previous.firmwareDigest === digest && previous.signingKeyId === firmware.signing.keyId && fileHasSha256(previous.path, previous.sha256)) {
    return { kind: 'done', bundle: previous };
  }

  const key = options.signingKey;
  if (!key) {
    throw new InputError(`no firmware signing key at ${options.signingKeyFile}`, {
      hint: 'pass the key plan used with --signing-key (against the sandbox, eval "$(iotmigrate sandbox env)" sets it)',
    });
  }
  if (key.keyId !== firmware.signing.keyId) {
    throw new InputError(
      `the signing key at ${options.signingKeyFile} (key ${key.keyId.slice(0, 16)}…) is not the one the plan's devices trust (plan.json firmware.signing.keyId ${firmware.signing.keyId.slice(0, 16)}…)`,
      { hint: 'pass the key plan used with --signing-key, or plan again with --signing-key pointing at this one' },
    );
  }
  return { kind: 'pack', directory, digest, key, previous };
}

function fileHasSha256(path: string, sha256: string): boolean {
  try {
    return sha256Hex(readFileSync(path)) === sha256;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
