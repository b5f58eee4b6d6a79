import { stableStringify } from '../fs/atomic-write.js';
import { loadManifest } from '../manifest/io.js';
import type { EmitProgress } from '../progress/events.js';
import { synthesizeTerraform } from '../terraform/synthesize-terraform.js';
import { generateKeyPairSync } from 'node:crypto';
import { DEFAULT_SIGNING_KEY_FILE, readSigningKey, saveNewSigningKey, signingKeyOf, type SigningKey } from '../ota/signing-key.js';
import { buildPlan, IDENTITIES_FILE, TERRAFORM_FILE, type FirmwareInput, type PlanOptions } from './build-plan.js';
import type { FirmwareReleaseFlags } from './firmware-release.js';
import { identitiesFileChunks } from './identities-file-chunks.js';
import { FIRMWARE_DIRECTORY, REWRITE_REPORT_FILE, rewriteFirmwareRepo, type FirmwareRewrite } from './rewrite-firmware.js';
import { IdentitiesFileSchema, PlanSchema } from './schema.js';
import { summarizePlan } from './summarize-plan.js';
import { assertPlanDirectoryUsable, PLAN_FILE, writePlanDirectory } from './write-plan-directory.js';

export interface RunPlanOptions extends PlanOptions {
  manifestPath: string;
  outDir: string;
  /** A device firmware repo to rewrite for IoT Hub into the plan; it is only read. */
  firmwareRepo?: string;
  /** How the rewritten firmware ships (version, entry point, bucket, presign role); defaults for each. */
  firmwareRelease?: FirmwareReleaseFlags;
  /**
   * The firmware code-signing key (made there, mode 0600, when missing; default
   * DEFAULT_SIGNING_KEY_FILE); only its public half enters the plan.
   */
  signingKeyFile?: string;
  onEvent?: EmitProgress;
}

export interface RunPlanResult {
  planDir: string;
  summaryLines: string[];
  counts: Record<string, number>;
}

/**
 * `iotmigrate plan`: manifest in, plan directory out. Everything that can be wrong with
 * the input is found before anything is written, and the directory appears whole or
 * not at all, so a failed plan never leaves a partial plan behind.
 */
export async function runPlan(options: RunPlanOptions): Promise<RunPlanResult> {
  const emit = options.onEvent ?? (() => {});
  emit({ type: 'stage', stage: 'plan', status: 'started', title: 'Planning the Azure side' });
  const manifest = await loadManifest(options.manifestPath);
  await assertPlanDirectoryUsable(options.outDir);

  let firmware: FirmwareRewrite | undefined;
  const signingKeyFile = options.signingKeyFile ?? DEFAULT_SIGNING_KEY_FILE;
  let newSigningKey: SigningKey | undefined;
  let firmwareInput: FirmwareInput | undefined;
  if (options.firmwareRepo !== undefined) {
    emit({ type: 'log', level: 'info', message: `  rewriting the firmware in ${options.firmwareRepo}` });
    firmware = await rewriteFirmwareRepo(options.firmwareRepo, emit);
    const existing = await readSigningKey(signingKeyFile, { missingOk: true });
    if (!existing) newSigningKey = signingKeyOf(generateKeyPairSync('ed25519').privateKey);
    firmwareInput = {
      rewrite: firmware.section,
      release: { ...firmware.release, signing: existing ?? newSigningKey!, flags: options.firmwareRelease ?? {} },
    };
  }

  const contents = buildPlan(manifest, options, synthesizeTerraform, firmwareInput);
  // Parsing what was built catches a planner bug before apply ever reads the files.
  const files = new Map<string, Iterable<string | Uint8Array>>([
    [PLAN_FILE, [stableStringify(PlanSchema.parse(contents.plan))]],
    [IDENTITIES_FILE, identitiesFileChunks(IdentitiesFileSchema.parse(contents.identities))],
    [TERRAFORM_FILE, [stableStringify(contents.terraform)]],
    ...[...(firmware?.files ?? [])].map(([path, content]): [string, Iterable<string | Uint8Array>] => [path, [content]]),
  ]);
  // Saved only now that the plan is known to be good: a refused plan leaves no key behind.
  if (newSigningKey) await saveNewSigningKey(signingKeyFile, newSigningKey);
  // An earlier plan's firmware output goes, even when this plan has none.
  await writePlanDirectory(options.outDir, files, { replaceWhole: [FIRMWARE_DIRECTORY, REWRITE_REPORT_FILE] });
  emit({ type: 'stage', stage: 'plan', status: 'finished' });

  const { plan } = contents;
  const actions = plan.routing.rules.flatMap((rule) => rule.actions);
  return {
    planDir: options.outDir,
    summaryLines: [
      ...summarizePlan(contents, options.outDir),
      ...(newSigningKey
        ? [
            '',
            `New firmware signing key: ${signingKeyFile} (ed25519, mode 0600; keep it secret, apply signs with it). Devices accept only firmware signed by a key they already trust: install its public key (plan.json firmware.signing.publicKeyPem) on them first, or plan with --signing-key <the key they trust>.`,
          ]
        : []),
    ],
    counts: {
      things: plan.source.things,
      identities: plan.identities.devices,
      selfSigned: plan.identities.byAuthentication.selfSigned,
      certificateAuthority: plan.identities.byAuthentication.certificateAuthority,
      sas: plan.identities.byAuthentication.sas,
      routes: actions.filter((action) => action.status !== 'untranslatable').length,
      untranslatableActions: actions.filter((action) => action.status === 'untranslatable').length,
      waves: plan.waves.list.length,
      notMigrated: plan.notMigrated.length,
      ...(plan.firmware.status === 'planned'
        ? { firmwareFilesRewritten: plan.firmware.files.rewritten, firmwareTodos: plan.firmware.findings.todo }
        : {}),
    },
  };
}
