import type { LoadedPlan } from '../plan/load-plan-directory.js';
import type { EmitProgress } from '../progress/events.js';
import type { StateStore } from '../state/state-store.js';

/**
 * One stage of `apply`. Stages run in APPLY_STAGE_ORDER, each resumable on its own
 * from the state store: identities on IoT Hub, the signed firmware bundle, its upload
 * to S3, then the rollout (per-wave AWS IoT jobs, watched on both clouds until every
 * device is verified, rolled back or quarantined). A stage first says what it would
 * write (all of them together make the one confirmation, so apply never prompts
 * halfway through), then runs.
 */
export const APPLY_STAGE_ORDER = ['identities', 'bundle', 'upload', 'rollout'] as const;
export type ApplyStageName = (typeof APPLY_STAGE_ORDER)[number];

export interface StageContext {
  plan: LoadedPlan;
  store: StateStore;
  stateDir: string;
  emit: EmitProgress;
  /** Aborted on Ctrl-C: the stage stops between batches; what is recorded stays. */
  signal: AbortSignal;
  /** The operator's hand on the rollout (the TUI's `p` key): a pause holds the next wave. */
  control: RolloutControl;
}

/**
 * Pause and resume from outside the stage. Pausing never interrupts a wave already
 * running on AWS (its job keeps going); the rollout stops before starting the next one.
 */
export interface RolloutControl {
  readonly paused: boolean;
  pause(): void;
  resume(): void;
  /** Resolves at once when not paused, else when resumed (or when `signal` aborts). */
  whilePaused(signal: AbortSignal): Promise<void>;
}

export interface StagePreview {
  /** What the stage will write, and where, for the confirmation. */
  lines: string[];
  /** False when everything is done already: a run with nothing to write asks nothing. */
  writes: boolean;
}

export interface StageOutcome {
  lines: string[];
  counts: Record<string, number>;
  /** Devices the stage could not take further, each with why (apply then exits 4). */
  notDone: Array<{ deviceId: string; reason: string }>;
}

export interface ApplyStage {
  name: ApplyStageName;
  title: string;
  preview(context: StageContext): StagePreview;
  run(context: StageContext): Promise<StageOutcome>;
}
