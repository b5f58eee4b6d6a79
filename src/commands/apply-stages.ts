import { APPLY_STAGE_ORDER, type ApplyStage, type ApplyStageName } from '../apply/apply-stage.js';
import { createRolloutStage, type rolloutOverridesOf } from './apply-rollout.js';

export interface ApplyStagesOptions {
  /** The IoT Hub service connection string, already checked, and its host name. */
  connectionString: string;
  hostName: string;
  /** Bulk registry requests in flight. */
  concurrency: number;
  signingKeyFile: string;
  rollout: ReturnType<typeof rolloutOverridesOf>;
  /** Build only this stage (`--stage`); every stage when undefined. */
  only?: ApplyStageName;
}

/**
 * The stages of `apply` with their real dependencies, in APPLY_STAGE_ORDER: the hub's
 * registry, the signing key, S3 and AWS IoT from the standard environment. `apply` and
 * `demo` both run these, so the demo shows exactly what apply does. SDKs load only for
 * the stages built; `close` ends the AWS clients' sockets.
 */
export async function buildApplyStages(options: ApplyStagesOptions): Promise<{ stages: ApplyStage[]; close(): void }> {
  const runs = (name: ApplyStageName) => options.only === undefined || options.only === name;
  const { hostName } = options;
  // The registry module alone: the package root also loads the AMQP client apply does not use.
  const { Registry } = await import('azure-iothub/dist/registry.js');
  const registry = Registry.fromConnectionString(options.connectionString);
  const stages: ApplyStage[] = [];
  if (runs('identities')) {
    const [{ identitiesStage }, { identityRegistryOver }] = await Promise.all([import('../apply/identities-stage.js'), import('../azure/identity-registry.js')]);
    stages.push(
      identitiesStage({ hostName, concurrency: options.concurrency, registryFor: (callOptions) => identityRegistryOver(registry, { ...callOptions, hostName }) }),
    );
  }
  if (runs('bundle')) {
    const [{ bundleStage }, { readSigningKey }] = await Promise.all([import('../apply/bundle-stage.js'), import('../ota/signing-key.js')]);
    // Read up front so a wrong key is refused before the confirmation; absent is fine when the bundle is packed already.
    stages.push(bundleStage({ signingKeyFile: options.signingKeyFile, signingKey: await readSigningKey(options.signingKeyFile, { missingOk: true }) }));
  }
  if (runs('upload')) {
    const { uploadStage } = await import('../apply/upload-stage.js');
    stages.push(
      uploadStage({
        // client-s3 loads only when there is a bundle to upload; it finds credentials and AWS_ENDPOINT_URL_S3 itself.
        async openStore(region) {
          const [{ S3Client }, { s3BundleStore }] = await Promise.all([import('@aws-sdk/client-s3'), import('../ota/s3-bundle-store.js')]);
          return s3BundleStore(new S3Client({ region }), region);
        },
      }),
    );
  }
  const rollout = runs('rollout') ? await createRolloutStage({ hostName, registry, flags: options.rollout }) : undefined;
  if (rollout) stages.push(rollout.stage);
  stages.sort((a, b) => APPLY_STAGE_ORDER.indexOf(a.name) - APPLY_STAGE_ORDER.indexOf(b.name));
  return { stages, close: () => rollout?.close() };
}
