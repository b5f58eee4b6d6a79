import { hubNameMismatch } from '../azure/hub-connection-string.js';
import { ExitCode, UsageError } from '../errors.js';
import { loadPlanDirectory } from '../plan/load-plan-directory.js';
import type { EmitProgress } from '../progress/events.js';
import { StateStore } from '../state/state-store.js';
import type { ApplyStage, RolloutControl, StageContext } from './apply-stage.js';
import { createRolloutControl } from './rollout-control.js';

export interface RunApplyOptions {
  planDir: string;
  stateDir: string;
  /** The IoT Hub the migration writes to; the state store stays bound to it. */
  hubHostName: string;
  /** In APPLY_STAGE_ORDER: all of them, or the one `--stage` names. */
  stages: readonly ApplyStage[];
  /**
   * Asked once, before anything is written to a cloud, with what will be written; false
   * stops the run. Not asked when there is nothing to write.
   */
  confirm(lines: readonly string[]): Promise<boolean>;
  emit: EmitProgress;
  signal: AbortSignal;
  /** Defaults to a control nobody pauses (no TUI). */
  control?: RolloutControl;
}

export interface RunApplyResult {
  lines: string[];
  counts: Record<string, number>;
  exitCode: ExitCode;
}

/**
 * `iotmigrate apply`: executes plan/, never decides. Reads and checks the plan, takes
 * the state store (one apply at a time), shows what the stages will write and asks once,
 * then runs the stages in order. Every stage resumes from the store, so running apply
 * again after a failure or a kill continues where it stopped.
 */
export async function runApply(options: RunApplyOptions): Promise<RunApplyResult> {
  const plan = await loadPlanDirectory(options.planDir);
  const mismatch = hubNameMismatch(plan.plan.azure.hubName, options.hubHostName);
  if (mismatch) {
    throw new UsageError(mismatch, { hint: `use the connection string of ${plan.plan.azure.hubName}, or plan again with --hub-name` });
  }
  const store = StateStore.open(options.stateDir);
  try {
    store.claimRun();
    store.bindHub(options.hubHostName);
    const context: StageContext = { plan, store, stateDir: options.stateDir, emit: options.emit, signal: options.signal, control: options.control ?? createRolloutControl() };
    const previews = options.stages.map((stage) => stage.preview(context));
    if (previews.some((preview) => preview.writes) && !(await options.confirm(previews.flatMap((preview) => preview.lines)))) {
      throw new UsageError('apply cancelled: nothing was written', { hint: 'run it again when ready, with --yes to skip the question' });
    }

    const lines: string[] = [];
    const counts: Record<string, number> = {};
    let notDone = 0;
    for (const stage of options.stages) {
      options.emit({ type: 'stage', stage: stage.name, status: 'started', title: stage.title });
      const outcome = await stage.run(context);
      options.emit({ type: 'stage', stage: stage.name, status: 'finished' });
      lines.push(...outcome.lines);
      for (const [name, count] of Object.entries(outcome.counts)) counts[`${stage.name}.${name}`] = count;
      notDone += outcome.notDone.length;
    }
    // Where every device of the migration stands, for CI to read from the --json summary.
    for (const [state, count] of Object.entries(store.countsByState())) if (count > 0) counts[`devices.${state}`] = count;
    return { lines, counts, exitCode: notDone > 0 ? ExitCode.devicesNotMigrated : ExitCode.ok };
  } finally {
    store.releaseRun();
    store.close();
  }
}
