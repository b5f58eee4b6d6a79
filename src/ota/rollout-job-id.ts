import { createHash } from 'node:crypto';
import { stableStringify } from '../fs/atomic-write.js';
import type { Plan } from '../plan/schema.js';

/**
 * The AWS IoT job IDs of a rollout. They are derived, never random, so a run that was
 * killed finds the job it made (DescribeJob) instead of making a second one:
 * `iotmigrate-<plan digest>-w<wave>` for a planned wave and `-r<n>` for retry wave n;
 * a wave whose job ended early (AWS aborted it, an operator canceled it) gets its next
 * job as `-w<wave>-<round>`, because AWS never reuses a job ID. At most 64 characters
 * of [a-zA-Z0-9_-], as CreateJob requires.
 */
export type RolloutWaveKey = { kind: 'planned'; index: number } | { kind: 'retry'; number: number };

export interface RolloutJobRef {
  digest: string;
  wave: RolloutWaveKey;
  /** 1 for a wave's first job. */
  round: number;
}

const PREFIX = 'iotmigrate';
const JOB_ID = /^iotmigrate-([0-9a-f]{8})-([wr])(\d+)(?:-(\d+))?$/;

/**
 * Eight hex digits of what decides which device goes in which wave (the AWS account
 * and region, the waves): the same plan gives the same job IDs on every run.
 */
export function rolloutPlanDigest(plan: Pick<Plan, 'source' | 'waves'>): string {
  const identity = { accountId: plan.source.accountId, region: plan.source.region, waves: plan.waves.list };
  return createHash('sha256').update(stableStringify(identity)).digest('hex').slice(0, 8);
}

export function rolloutJobId(ref: RolloutJobRef): string {
  const wave = ref.wave.kind === 'planned' ? `w${ref.wave.index}` : `r${ref.wave.number}`;
  return `${PREFIX}-${ref.digest}-${wave}${ref.round > 1 ? `-${ref.round}` : ''}`;
}

export function parseRolloutJobId(jobId: string): RolloutJobRef | undefined {
  const match = JOB_ID.exec(jobId);
  if (!match) return undefined;
  const number = Number(match[3]);
  return {
    digest: match[1]!,
    wave: match[2] === 'w' ? { kind: 'planned', index: number } : { kind: 'retry', number },
    round: match[4] === undefined ? 1 : Number(match[4]),
  };
}

/**
 * The round of a wave's next job: one past the highest round any of its devices was
 * queued in (their records keep the job ID of their latest job), whatever plan digest
 * that job carried.
 */
export function nextRound(wave: RolloutWaveKey, recordedJobIds: Iterable<string | null>): number {
  let highest = 0;
  for (const jobId of recordedJobIds) {
    const ref = jobId === null ? undefined : parseRolloutJobId(jobId);
    if (ref && sameWave(ref.wave, wave)) highest = Math.max(highest, ref.round);
  }
  return highest + 1;
}

export function sameWave(a: RolloutWaveKey, b: RolloutWaveKey): boolean {
  return a.kind === 'planned' ? b.kind === 'planned' && a.index === b.index : b.kind === 'retry' && a.number === b.number;
}
