import type { ApplyStage, StageContext, StageOutcome } from '../apply/apply-stage.js';
import { abortableSleep } from '../pacing/abortable-sleep.js';
import type { Identity } from '../plan/schema.js';
import { isInFlight, type DeviceRecord, type DeviceState } from '../state/device-state.js';
import type { RolloutJobs } from './rollout-aws-jobs.js';
import type { HubDevices } from './rollout-hub-devices.js';
import { rolloutPlanDigest } from './rollout-job-id.js';
import { quarantineStragglers, QUARANTINE_GROUP } from './rollout-quarantine.js';
import { rolloutSettingsFor, type RolloutOverrides } from './rollout-settings.js';
import { runWave, type CutoverSource, type RolloutRun, type WaveResult } from './rollout-wave-run.js';
import { coolDownEndsAt, plannedWaves, retryCandidates, retryWave, waveEvent, waveGate, type RolloutWave } from './rollout-waves.js';

export interface RolloutStageOptions {
  overrides: RolloutOverrides;
  /** The firmware to ship: the document per wave and the version to verify, from the bundle and upload stages. */
  cutover(context: StageContext): Promise<CutoverSource>;
  /** The AWS IoT calls, built with the stage's signal and throttle reporting. */
  jobsFor(options: { signal: AbortSignal; onThrottled: (operation: string, retryInMs: number) => void }): Promise<RolloutJobs>;
  hubFor(options: { signal: AbortSignal; onThrottled: (operation: string, retryInMs: number) => void }): HubDevices;
  /** `--notify-webhook`: a JSON POST per quarantined device. */
  notifyWebhook: string | undefined;
  /** The clock and the wait of the poll loop and the cool-downs (epoch ms); tests move a fake clock with both. */
  now?: () => number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

const NO_FIRMWARE = 'the plan has no firmware to roll out (plan again with --firmware-repo DIR)';

/**
 * Why the rollout stopped at a wave, kept in the state store until the next run: that
 * run is the operator's "I fixed it, go on", so the failures of the jobs named here no
 * longer hold the gate (their rolled-back devices go to the retry waves instead).
 */
const STOP_KEY = 'rollout-stop';
const ACKNOWLEDGED_KEY = 'rollout-acknowledged-jobs';

interface RecordedStop {
  wave: number;
  name: string;
  jobIds: string[];
  reason: string;
}

/**
 * apply's `rollout` stage: per wave one AWS IoT job carrying the cutover document, watched
 * on AWS and on IoT Hub until each device is verified or rolled back; canary first, each
 * next wave only through the gate; then retry waves for the stragglers after a cool-down,
 * and quarantine (a static thing group on AWS, a webhook notice) for those still rolled
 * back. Everything it knows is in the state store, so a run killed at any moment is
 * continued by the next: no job is made twice, no device is lost.
 */
export function rolloutStage(options: RolloutStageOptions): ApplyStage {
  return {
    name: 'rollout',
    title: 'Rolling the new firmware out through AWS IoT Jobs, wave by wave',

    preview({ plan, store }) {
      if (plan.plan.firmware.status !== 'planned') return { lines: [`rollout: skipped: ${NO_FIRMWARE}`], writes: false };
      const settings = rolloutSettingsFor(plan.plan.rollout, options.overrides);
      const members = waveMembers({ plan });
      const planned = members.length;
      let done = 0;
      for (const deviceId of members) {
        const state = store.get(deviceId)?.state;
        if (state === 'verified' || state === 'quarantined') done += 1;
      }
      if (done === planned) return { lines: [`rollout: all ${planned} devices of the waves are verified or quarantined already`], writes: false };
      const waves = plan.plan.waves.list;
      return {
        lines: [
          `rollout: ${planned - done} of ${planned} devices, ${waves.length} waves (${waves[0]?.name ?? 'canary'} ${waves[0]?.deviceIds.length ?? 0} devices first): one AWS IoT job per wave`,
          `  at most ${settings.maximumPerMinute} devices/min, stop above ${settings.abortThresholdPercent}% failures, ${settings.inProgressTimeoutMinutes} min timeout, ${settings.retries.numberOfRetries} retries per device`,
          `  then up to ${settings.retryWaves} retry waves after ${settings.coolDownSeconds} s; devices still failing go into thing group ${QUARANTINE_GROUP} (nothing is deleted on AWS)`,
        ],
        writes: true,
      };
    },

    async run(context) {
      const { plan, store, emit, signal } = context;
      if (plan.plan.firmware.status !== 'planned') {
        const notDone = waveMembers(context)
          .filter((deviceId) => store.get(deviceId)?.state !== 'verified')
          .map((deviceId) => ({ deviceId, reason: `not rolled out: ${NO_FIRMWARE}` }));
        return { lines: [`Rollout: skipped: ${NO_FIRMWARE}`], counts: { skipped: 1, notReached: notDone.length }, notDone };
      }
      const settings = rolloutSettingsFor(plan.plan.rollout, options.overrides);
      let throttled = 0;
      const onThrottled = (operation: string, retryInMs: number) => {
        throttled += 1;
        emit({ type: 'throttled', stage: 'rollout', operation, retryInMs });
      };
      const identities = new Map(plan.identities.map((identity) => [identity.deviceId, identity]));
      const [cutover, jobs] = await Promise.all([options.cutover(context), options.jobsFor({ signal, onThrottled })]);
      const now = options.now ?? Date.now;
      let arnPrefix: Promise<string> | undefined;
      const started = now();
      const doneAtStart = finishedCount(store.countsByState());
      const run: RolloutRun = {
        context,
        settings,
        jobs,
        hub: options.hubFor({ signal, onThrottled }),
        cutover,
        digest: rolloutPlanDigest(plan.plan),
        thingNames: new Map(plan.identities.map((identity) => [identity.deviceId, identity.thingName])),
        firmwareBefore: (deviceId) => firmwareBeforeOf(identities.get(deviceId)),
        thingArnPrefix: (thingName) => (arnPrefix ??= jobs.thingArnPrefix(thingName)),
        onPolled: () => {
          const done = finishedCount(store.countsByState());
          const seconds = (now() - started) / 1000;
          emit({ type: 'progress', stage: 'rollout', resource: 'devices', done, total: waveMembers(context).length, ratePerSecond: seconds > 0 ? Math.max(0, done - doneAtStart) / seconds : undefined });
        },
        jobsCreated: [],
        knownJobs: new Set(),
        unconfirmed: new Map(),
        now,
        sleep: (ms) => (options.sleep ?? abortableSleep)(ms, signal),
      };

      const acknowledged = acknowledgeEarlierStop(context);
      const stop = await runPlannedWaves(run, acknowledged);
      let quarantined = 0;
      if (!stop) {
        await runRetryWaves(run);
        quarantined = await quarantineStragglers(run, { notifyWebhook: options.notifyWebhook });
      }
      return outcomeOf(run, { stop, quarantined, throttled, wavesPlanned: plan.plan.waves.list.length });
    },
  };
}

/** The planned waves in order; returns the stop when a gate or AWS stopped the rollout. */
async function runPlannedWaves(run: RolloutRun, acknowledged: ReadonlySet<string>): Promise<RecordedStop | undefined> {
  const { plan, store, emit, signal } = run.context;
  const inPlan = new Set(plan.identities.map((identity) => identity.deviceId));
  for (const [position, wave] of plannedWaves(plan.plan).entries()) {
    if (position > 0) await holdWhilePaused(run, wave);
    const memberIds = wave.deviceIds.filter((deviceId) => inPlan.has(deviceId));
    const result = await runWave(run, wave, memberIds, (record) => record.state === 'identity-created');
    const counts = store.countsByWave().get(wave.index) ?? zeroCounts();
    const verdict = gateOf(run, wave, memberIds, result, acknowledged);
    if (verdict) {
      store.setMeta(STOP_KEY, JSON.stringify({ wave: wave.index, name: wave.name, jobIds: result.jobIds, reason: verdict } satisfies RecordedStop));
      emit(waveEvent(wave, counts, 'stopped', run.settings, { jobId: result.jobIds.at(-1), reason: verdict }));
      return { wave: wave.index, name: wave.name, jobIds: result.jobIds, reason: verdict };
    }
    emit(waveEvent(wave, counts, 'finished', run.settings, { jobId: result.jobIds.at(-1) }));
    signal.throwIfAborted();
  }
  return undefined;
}

/**
 * Why the rollout must stop after this wave, if it must: AWS ended a job before some of
 * its devices started (its abort threshold tripped, or someone canceled it), or the
 * wave's failures among its finished devices are above the threshold. Failures of jobs
 * an earlier stop already reported do not count again.
 */
function gateOf(run: RolloutRun, wave: RolloutWave, memberIds: readonly string[], result: WaveResult, acknowledged: ReadonlySet<string>): string | undefined {
  if (result.canceled > 0) {
    const why = result.endedBecause.length > 0 ? result.endedBecause.join('; ') : 'its job was canceled on AWS';
    return `AWS stopped ${wave.name} before ${result.canceled} of its devices started: ${why}`;
  }
  const tally = { verified: 0, rolledBack: 0 };
  for (const deviceId of memberIds) {
    const record = run.context.store.get(deviceId);
    if (!record || record.wave !== wave.index || acknowledged.has(record.jobId ?? '')) continue;
    if (record.state === 'verified') tally.verified += 1;
    if (record.state === 'rolled-back') tally.rolledBack += 1;
  }
  const verdict = waveGate(wave, tally, run.settings.abortThresholdPercent);
  return verdict.pass ? undefined : verdict.reason;
}

/**
 * Retry waves for the stragglers: each takes every device rolled back so far, after the
 * cool-down, up to the plan's number of retry waves.
 */
async function runRetryWaves(run: RolloutRun): Promise<void> {
  const { plan, store, emit } = run.context;
  const inPlan = new Set(plan.identities.map((identity) => identity.deviceId));
  const planned = plan.plan.waves.list.length;
  for (let number = 1; number <= run.settings.retryWaves; number += 1) {
    const wave = retryWave(planned, number);
    const candidates = retryCandidates(
      [...store.list({ states: ['rolled-back'] })].filter((record) => inPlan.has(record.deviceId)),
      wave,
    );
    // A run killed during this retry wave left devices in flight in it.
    const resumed = [...store.list({ states: ['job-queued', 'downloading', 'installed', 'azure-connected'] })].filter(
      (record) => record.wave === wave.index && inPlan.has(record.deviceId),
    );
    if (candidates.length === 0 && resumed.length === 0) continue;
    if (candidates.length > 0) {
      const startsAt = coolDownEndsAt(candidates, run.settings.coolDownSeconds);
      const wait = startsAt - run.now();
      if (wait > 0) {
        emit({ type: 'log', level: 'info', message: `${wave.name}: ${candidates.length} rolled-back devices are retried after a ${Math.ceil(wait / 1000)} s cool-down` });
        await run.sleep(wait);
      }
    }
    await holdWhilePaused(run, wave);
    const memberIds = [...candidates, ...resumed].map((record) => record.deviceId);
    const result = await runWave(run, wave, memberIds, (record) => record.state === 'rolled-back' && (record.wave ?? 0) < wave.index);
    emit(waveEvent(wave, store.countsByWave().get(wave.index) ?? zeroCounts(), 'finished', run.settings, { jobId: result.jobIds.at(-1) }));
  }
}

/** The TUI's `p`: the next wave waits, the ones running on AWS go on. */
async function holdWhilePaused(run: RolloutRun, wave: RolloutWave): Promise<void> {
  const { control, signal, emit, store } = run.context;
  if (!control.paused) return;
  emit(waveEvent(wave, store.countsByWave().get(wave.index) ?? zeroCounts(), 'paused', run.settings));
  await control.whilePaused(signal);
  signal.throwIfAborted();
}

/** Takes an earlier run's stop as handled (this run is the operator going on) and says so. */
function acknowledgeEarlierStop({ store, emit }: StageContext): Set<string> {
  const acknowledged = new Set<string>(JSON.parse(store.meta(ACKNOWLEDGED_KEY) ?? '[]') as string[]);
  const text = store.meta(STOP_KEY);
  if (!text) return acknowledged;
  const stop = JSON.parse(text) as RecordedStop;
  for (const jobId of stop.jobIds) acknowledged.add(jobId);
  store.setMeta(ACKNOWLEDGED_KEY, JSON.stringify([...acknowledged].sort()));
  store.setMeta(STOP_KEY, '');
  emit({
    type: 'log',
    level: 'info',
    message: `continuing after the stop at ${stop.name} (${stop.reason}): its rolled-back devices go to the retry waves, devices it did not reach get a new job`,
  });
  return acknowledged;
}

/** The plan's devices that are in a wave (plan leaves SAS-fallback devices out), by device ID. */
function waveMembers({ plan }: Pick<StageContext, 'plan'>): string[] {
  const inPlan = new Set(plan.identities.map((identity) => identity.deviceId));
  return [...new Set(plan.plan.waves.list.flatMap((wave) => wave.deviceIds))].filter((deviceId) => inPlan.has(deviceId));
}

function firmwareBeforeOf(identity: Identity | undefined): string | null {
  const version = identity?.reportedAtSource.classic?.firmwareVersion;
  return typeof version === 'string' ? version : null;
}

function finishedCount(counts: Record<DeviceState, number>): number {
  return counts.verified + counts['rolled-back'] + counts.quarantined;
}

function zeroCounts(): Record<DeviceState, number> {
  return { pending: 0, 'identity-created': 0, 'job-queued': 0, downloading: 0, installed: 0, 'azure-connected': 0, verified: 0, 'rolled-back': 0, quarantined: 0 };
}

function outcomeOf(
  run: RolloutRun,
  facts: { stop: RecordedStop | undefined; quarantined: number; throttled: number; wavesPlanned: number },
): StageOutcome {
  const { plan, store } = run.context;
  const records = plan.identities.map((identity) => store.get(identity.deviceId)).filter((record): record is DeviceRecord => record !== undefined);
  const count = (state: DeviceState) => records.filter((record) => record.state === state).length;
  const verified = count('verified');
  const rolledBack = count('rolled-back');
  const quarantined = count('quarantined');
  const inFlight = records.filter((record) => isInFlight(record.state)).length;
  const notReached = plan.identities.length - verified - rolledBack - quarantined - inFlight;
  const inWaves = new Set(plan.plan.waves.list.flatMap((wave) => wave.deviceIds));
  const notDone = records
    .filter((record) => record.state !== 'verified')
    .map((record) => ({ deviceId: record.deviceId, reason: run.unconfirmed.get(record.deviceId) ?? notDoneReason(record, inWaves.has(record.deviceId)) }));
  const missing = plan.identities.length - records.length;
  for (const identity of plan.identities) {
    if (!store.get(identity.deviceId)) notDone.push({ deviceId: identity.deviceId, reason: 'not in the state store: run apply with every stage' });
  }

  const lines = [
    `Rollout of firmware ${run.cutover.firmwareVersion} to ${plan.identities.length} devices in ${facts.wavesPlanned} waves: ${verified} verified on both clouds, ${rolledBack} rolled back, ${quarantined} quarantined${
      inFlight > 0 ? `, ${inFlight} unconfirmed` : ''
    }${notReached > 0 ? `, ${notReached} not reached` : ''}`,
    `  AWS IoT jobs created by this run: ${run.jobsCreated.length === 0 ? 'none' : run.jobsCreated.join(', ')}${facts.throttled > 0 ? ` (${facts.throttled} throttled calls retried)` : ''}`,
  ];
  if (facts.stop) {
    lines.push(
      `  stopped at ${facts.stop.name}: ${facts.stop.reason}`,
      `  fix the cause, then run \`iotmigrate apply\` again: it continues at ${facts.stop.name} (devices it did not reach get a new job; rolled-back devices are retried after the last wave)`,
    );
  }
  if (facts.quarantined > 0) lines.push(`  ${facts.quarantined} devices quarantined by this run: in thing group ${QUARANTINE_GROUP} on AWS, still on their old firmware`);
  if (notDone.length > 0) lines.push(`  ${notDone.length} devices are not migrated: \`iotmigrate report\` lists each with its reason`);
  return {
    lines,
    counts: {
      verified,
      rolledBack,
      quarantined,
      unconfirmed: inFlight,
      // For the summary's `failed`: devices this run took but could not confirm on IoT Hub.
      failed: inFlight,
      notReached: notReached + missing,
      jobsCreated: run.jobsCreated.length,
      stopped: facts.stop ? 1 : 0,
      throttled: facts.throttled,
    },
    notDone,
  };
}

function notDoneReason(record: DeviceRecord, inWave: boolean): string {
  switch (record.state) {
    case 'pending':
      return `no identity on IoT Hub yet${record.reason ? `: ${record.reason}` : ''}`;
    case 'identity-created':
      // plan leaves SAS-fallback devices out of the waves: their new key cannot travel in a job document.
      if (!inWave) return 'in no rollout wave of the plan (a SAS identity: its key cannot travel in the job document); move it by hand';
      return record.reason ? `not rolled out: ${record.reason}` : 'not rolled out yet: the rollout stopped before its wave';
    case 'rolled-back':
    case 'quarantined':
      return record.reason ?? record.state;
    default:
      return `${record.state} when apply ended: AWS or IoT Hub has not confirmed the cutover yet; run apply again to look again`;
  }
}
