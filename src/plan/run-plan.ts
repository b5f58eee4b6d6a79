import { stableStringify } from '../fs/atomic-write.js';
import { loadManifest } from '../manifest/io.js';
import type { EmitProgress } from '../progress/events.js';
import { synthesizeTerraform } from '../terraform/synthesize-terraform.js';
import { buildPlan, IDENTITIES_FILE, TERRAFORM_FILE, type PlanOptions } from './build-plan.js';
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
  if (options.firmwareRepo !== undefined) {
    emit({ type: 'log', level: 'info', message: `  rewriting the firmware in ${options.firmwareRepo}` });
    firmware = await rewriteFirmwareRepo(options.firmwareRepo, emit);
  }

  const contents = buildPlan(manifest, options, synthesizeTerraform, firmware?.section);
  // Parsing what was built catches a planner bug before apply ever reads the files.
  const files = new Map<string, Iterable<string>>([
    [PLAN_FILE, [stableStringify(PlanSchema.parse(contents.plan))]],
    [IDENTITIES_FILE, identitiesFileChunks(IdentitiesFileSchema.parse(contents.identities))],
    [TERRAFORM_FILE, [stableStringify(contents.terraform)]],
    ...[...(firmware?.files ?? [])].map(([path, content]): [string, Iterable<string>] => [path, [content]]),
  ]);
  // An earlier plan's firmware output goes, even when this plan has none.
  await writePlanDirectory(options.outDir, files, { replaceWhole: [FIRMWARE_DIRECTORY, REWRITE_REPORT_FILE] });
  emit({ type: 'stage', stage: 'plan', status: 'finished' });

  const { plan } = contents;
  const actions = plan.routing.rules.flatMap((rule) => rule.actions);
  return {
    planDir: options.outDir,
    summaryLines: summarizePlan(contents, options.outDir),
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
