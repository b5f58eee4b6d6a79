import type { StageContext } from '../apply/apply-stage.js';
import { CloudError } from '../errors.js';
import { forEachConcurrently } from '../pacing/pool.js';
import { isInFlight, type DeviceRecord } from '../state/device-state.js';
import type { DeviceChange } from '../state/state-store.js';
import type { RolloutJobs } from './rollout-aws-jobs.js';
import type { HubDevices } from './rollout-hub-devices.js';
import { nextRound, rolloutJobId } from './rollout-job-id.js';
import { cutoverCreateJobInput } from './rollout-job-request.js';
import { observeDevice, type ExecutionView } from './rollout-observation.js';
import type { RolloutSettings } from './rollout-settings.js';
import { waveEvent, type RolloutWave } from './rollout-waves.js';

/** The firmware a rollout ships, as the bundle and upload stages left it. */
export interface CutoverSource {
  /** The version the new firmware reports on IoT Hub: what verification looks for. */
  firmwareVersion: string;
  /** The rendered job document for a wave's devices (by Azure device ID). */
  documentFor(deviceIds: readonly string[]): string;
  /** The role AWS IoT presigns the bundle URL with (presignedUrlConfig). */
  presignRoleArn: string | undefined;
}

/** What every wave of one rollout run shares. */
export interface RolloutRun {
  context: StageContext;
  settings: RolloutSettings;
  jobs: RolloutJobs;
  hub: HubDevices;
  cutover: CutoverSource;
  /** rolloutPlanDigest of the plan, for job IDs. */
  digest: string;
  /** Azure device ID → AWS thing name. */
  thingNames: ReadonlyMap<string, string>;
  firmwareBefore(deviceId: string): string | null;
  /** The thing-ARN prefix of the account, read (from this thing) once, when the first job is made. */
  thingArnPrefix(thingName: string): Promise<string>;
  /** Called after each poll, so the stage can report fleet-wide progress. */
  onPolled(): void;
  /** Jobs this run created on AWS. */
  jobsCreated: string[];
  /** Jobs this run has seen on AWS: they are not looked for again. */
  knownJobs: Set<string>;
  /** Devices AWS calls SUCCEEDED but IoT Hub does not confirm past the grace: left in flight, with what disagrees. */
  unconfirmed: Map<string, string>;
  now(): number;
  /** Waits, or throws the abort reason when apply is interrupted. */
  sleep(ms: number): Promise<void>;
}

export interface WaveResult {
  /** The AWS IoT jobs that carried the wave's devices in this run. */
  jobIds: string[];
  /** Devices whose job ended before they started (AWS's abort cancels queued executions): back to identity-created. */
  canceled: number;
  /** Why their jobs ended, as AWS says. */
  endedBecause: string[];
}

/** Steps after which the device may already show on IoT Hub. */
const STEPS_ON_AZURE = new Set(['connecting-azure', 'switched']);
/** Statuses whose statusDetails say nothing new (SUCCEEDED is judged on IoT Hub). */
const NO_DETAILS_NEEDED = new Set(['QUEUED', 'SUCCEEDED', 'CANCELED', 'REMOVED']);
const DESCRIBE_CONCURRENCY = 8;
const RUNNING_DETAILS_PER_POLL = 100;

/**
 * One wave: queue its eligible devices under the wave's next job ID (recorded before
 * CreateJob, so a kill at any moment leaves devices queued for a job a re-run creates or
 * finds, never one made twice), make sure each of its jobs exists on AWS, then watch
 * both clouds every poll interval until each device of the wave is verified, rolled
 * back, canceled back to identity-created, or unconfirmed.
 */
export async function runWave(
  run: RolloutRun,
  wave: RolloutWave,
  memberIds: readonly string[],
  isEligible: (record: DeviceRecord) => boolean,
): Promise<WaveResult> {
  const { store, emit } = run.context;
  const members = () => memberIds.map((deviceId) => store.get(deviceId)).filter((record): record is DeviceRecord => record !== undefined);

  const eligible = members().filter(isEligible);
  if (eligible.length > 0) {
    const jobId = rolloutJobId({ digest: run.digest, wave: wave.key, round: nextRound(wave.key, members().map((record) => record.jobId)) });
    store.record(
      eligible.map((record) => ({
        deviceId: record.deviceId,
        event: { type: 'job-queued', jobId, wave: wave.index, firmwareBefore: run.firmwareBefore(record.deviceId) },
      })),
    );
  }

  const result: WaveResult = { jobIds: [], canceled: 0, endedBecause: [] };
  const { unconfirmed } = run;
  const watches = new Map<string, JobWatch>();
  let lastCounts = '';
  for (;;) {
    const watched = members().filter((record) => record.wave === wave.index && isInFlight(record.state) && !unconfirmed.has(record.deviceId));
    const byJob = groupBy(watched, (record) => record.jobId ?? '');
    for (const [jobId, devices] of byJob) {
      if (!result.jobIds.includes(jobId)) result.jobIds.push(jobId);
      const watch = watches.get(jobId) ?? new JobWatch();
      watches.set(jobId, watch);
      if (!(await jobOnAws(run, wave, jobId, devices))) {
        const reason = `AWS IoT job ${jobId} no longer exists, so the device's cutover cannot be followed`;
        for (const record of devices) unconfirmed.set(record.deviceId, reason);
        store.record(devices.filter((record) => record.reason !== reason).map((record) => ({ deviceId: record.deviceId, event: { type: 'unconfirmed', reason } })));
        continue;
      }
      await pollJob(run, jobId, devices, watch, result);
    }
    const counts = store.countsByWave().get(wave.index);
    if (counts && JSON.stringify(counts) !== lastCounts) {
      lastCounts = JSON.stringify(counts);
      emit(waveEvent(wave, counts, 'running', run.settings, { jobId: result.jobIds.at(-1) }));
    }
    run.onPolled();
    const left = members().some((record) => record.wave === wave.index && isInFlight(record.state) && !unconfirmed.has(record.deviceId));
    if (!left) return result;
    await run.sleep(run.settings.pollIntervalSeconds * 1000);
  }
}

/**
 * Whether the wave's job is on AWS. Missing means the run that queued these devices was
 * stopped before CreateJob: make it now, for exactly the devices queued for it.
 */
async function jobOnAws(run: RolloutRun, wave: RolloutWave, jobId: string, devices: readonly DeviceRecord[]): Promise<boolean> {
  if (run.knownJobs.has(jobId)) return true;
  if (await run.jobs.describeJob(jobId)) {
    run.knownJobs.add(jobId);
    return true;
  }
  const queued = devices.filter((record) => record.state === 'job-queued').map((record) => record.deviceId);
  if (queued.length === 0) return false;
  const prefix = await run.thingArnPrefix(run.thingNames.get(queued[0]!) ?? queued[0]!);
  const created = await run.jobs.createJob(
    cutoverCreateJobInput({
      jobId,
      thingArns: queued.map((deviceId) => `${prefix}${run.thingNames.get(deviceId) ?? deviceId}`),
      document: run.cutover.documentFor(queued),
      settings: run.settings,
      presignRoleArn: run.cutover.presignRoleArn,
      abortOnFailures: wave.key.kind === 'planned',
      description: `iotmigrate cutover (${wave.name}): ${queued.length} devices to firmware ${run.cutover.firmwareVersion} on Azure IoT Hub`,
    }),
  );
  if (created === 'created') run.jobsCreated.push(jobId);
  run.context.emit({
    type: 'log',
    level: 'info',
    message: `${wave.name}: AWS IoT job ${jobId} ${created === 'created' ? 'created' : 'found (made by an earlier run)'} for ${queued.length} devices`,
  });
  run.knownJobs.add(jobId);
  return true;
}

/**
 * Listing a wave's executions costs a page per 250 devices against a quota of a few
 * calls a second: while the job's execution counts stand still, the last list is used
 * again, and read afresh at least every FULL_LIST_EVERY polls (statusDetails steps move
 * without changing a count, and only colour the progress).
 */
const FULL_LIST_EVERY = 6;

/** What a wave's watch remembers between polls of one job. */
class JobWatch {
  /** The statusDetails last read per thing, and the execution update they were read at, so unchanged executions are not described again. */
  readonly details = new Map<string, Record<string, string> | undefined>();
  readonly readAt = new Map<string, number>();
  /** The last list of executions, the job's counts read just before it, and polls since. */
  executions: Map<string, ExecutionView> | undefined;
  countsBeforeList: string | undefined;
  pollsSinceList = 0;

  /** The last list still holds when the counts have not moved since it was made. */
  stillCurrent(counts: string | undefined): Map<string, ExecutionView> | undefined {
    if (!this.executions || counts === undefined || counts !== this.countsBeforeList || this.pollsSinceList >= FULL_LIST_EVERY) return undefined;
    this.pollsSinceList += 1;
    return this.executions;
  }

  listed(executions: Map<string, ExecutionView>, countsBeforeList: string | undefined): void {
    this.executions = executions;
    this.countsBeforeList = countsBeforeList;
    this.pollsSinceList = 0;
  }
}

async function pollJob(run: RolloutRun, jobId: string, devices: readonly DeviceRecord[], watch: JobWatch, result: WaveResult): Promise<void> {
  const { unconfirmed } = run;
  const { store, emit } = run.context;
  const disappeared = () => new CloudError(`AWS IoT job ${jobId} disappeared while its executions were being read`, { hint: 'run apply again' });
  const glance = await run.jobs.describeJob(jobId);
  if (!glance) throw disappeared();
  const listAfresh = async () => {
    const listed = await run.jobs.listExecutions(jobId);
    // Read after the executions, so the job's status (and why it ended) is at least as new as they are.
    const after = await run.jobs.describeJob(jobId);
    if (!after) throw disappeared();
    // The counts from before the list: a change during the list shows as new counts next poll.
    watch.listed(listed, glance.executionCounts);
    return { executions: listed, job: after };
  };
  const cached = watch.stillCurrent(glance.executionCounts);
  const { executions, job } = cached ? { executions: cached, job: glance } : await listAfresh();
  const executionOf = (record: DeviceRecord): ExecutionView | undefined => executions.get(run.thingNames.get(record.deviceId) ?? record.deviceId);

  const changed = devices.filter((record) => {
    const execution = executionOf(record);
    const thingName = run.thingNames.get(record.deviceId) ?? record.deviceId;
    return execution !== undefined && !NO_DETAILS_NEEDED.has(execution.status) && watch.readAt.get(thingName) !== execution.lastUpdatedAt;
  });
  // Ended executions first: their reason is what the report needs. Steps of running ones
  // only colour the progress, so at most a budget of them per poll keeps a fast rollout
  // within DescribeJobExecution's quota; the rest are read on a later poll.
  const ended = changed.filter((record) => executionOf(record)!.status !== 'IN_PROGRESS');
  const running = changed.filter((record) => executionOf(record)!.status === 'IN_PROGRESS').slice(0, RUNNING_DETAILS_PER_POLL);
  const toDescribe = [...ended, ...running];
  await forEachConcurrently(toDescribe, DESCRIBE_CONCURRENCY, async (record) => {
    const thingName = run.thingNames.get(record.deviceId) ?? record.deviceId;
    const execution = executionOf(record)!;
    watch.details.set(thingName, await run.jobs.executionDetails(job.jobId, thingName));
    watch.readAt.set(thingName, execution.lastUpdatedAt);
  });

  const detailsOf = (record: DeviceRecord) => watch.details.get(run.thingNames.get(record.deviceId) ?? record.deviceId);
  const onAzureSoon = devices.filter((record) => {
    const execution = executionOf(record);
    return execution?.status === 'SUCCEEDED' || (execution?.status === 'IN_PROGRESS' && STEPS_ON_AZURE.has(detailsOf(record)?.step ?? ''));
  });
  const hubViews = onAzureSoon.length > 0 ? await run.hub.read(onAzureSoon.map((record) => record.deviceId)) : new Map();
  const askedHub = new Set(onAzureSoon.map((record) => record.deviceId));

  const changes: DeviceChange[] = [];
  const now = run.now();
  for (const record of devices) {
    const execution = executionOf(record);
    const outcome = observeDevice({
      record,
      job,
      execution: execution && { ...execution, statusDetails: detailsOf(record) },
      hub: askedHub.has(record.deviceId) ? hubViews.get(record.deviceId) : undefined,
      targetVersion: run.cutover.firmwareVersion,
      verifyGraceMs: run.settings.azureConnectTimeoutSeconds * 1000,
      queuedLimitMs: run.settings.inProgressTimeoutMinutes * 60_000,
      now,
    });
    if (outcome.kind === 'overdue') {
      // Cancelled first, so the device cannot take this job later while a retry wave targets it.
      const thingName = run.thingNames.get(record.deviceId) ?? record.deviceId;
      if ((await run.jobs.cancelQueuedExecution(jobId, thingName)) === 'canceled') changes.push({ deviceId: record.deviceId, event: { type: 'rolled-back', reason: outcome.reason } });
      continue;
    }
    changes.push(...outcome.events.map((event) => ({ deviceId: record.deviceId, event })));
    if (outcome.kind === 'unconfirmed') {
      unconfirmed.set(record.deviceId, outcome.reason);
      if (record.reason !== outcome.reason) changes.push({ deviceId: record.deviceId, event: { type: 'unconfirmed', reason: outcome.reason } });
    }
  }
  store.record(changes);
  for (const { deviceId, event } of changes) {
    if (event.type === 'rolled-back') emit({ type: 'device', deviceId, state: 'rolled-back', reason: event.reason });
    if (event.type === 'job-canceled') {
      result.canceled += 1;
      if (job.endedBecause && !result.endedBecause.includes(job.endedBecause)) result.endedBecause.push(job.endedBecause);
    }
  }
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const name = key(item);
    const group = groups.get(name) ?? [];
    group.push(item);
    groups.set(name, group);
  }
  return groups;
}
