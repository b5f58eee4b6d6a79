import { stableStringify } from '../fs/atomic-write.js';
import { loadManifest } from '../manifest/io.js';
import type { EmitProgress } from '../progress/events.js';
import { synthesizeTerraform } from '../terraform/synthesize-terraform.js';
import { buildPlan, IDENTITIES_FILE, TERRAFORM_FILE, type PlanOptions } from './build-plan.js';
import { identitiesFileChunks } from './identities-file-chunks.js';
import { IdentitiesFileSchema, PlanSchema } from './schema.js';
import { summarizePlan } from './summarize-plan.js';
import { assertPlanDirectoryUsable, PLAN_FILE, writePlanDirectory } from './write-plan-directory.js';

export interface RunPlanOptions extends PlanOptions {
  manifestPath: string;
  outDir: string;
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

  const contents = buildPlan(manifest, options, synthesizeTerraform);
  // Parsing what was built catches a planner bug before apply ever reads the files.
  const files = new Map<string, Iterable<string>>([
    [PLAN_FILE, [stableStringify(PlanSchema.parse(contents.plan))]],
    [IDENTITIES_FILE, identitiesFileChunks(IdentitiesFileSchema.parse(contents.identities))],
    [TERRAFORM_FILE, [stableStringify(contents.terraform)]],
  ]);
  await writePlanDirectory(options.outDir, files);
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
    },
  };
}
