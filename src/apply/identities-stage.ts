import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { IdentityRegistry } from '../azure/identity-registry.js';
import type { HubCallOptions } from '../azure/hub-call.js';
import { forEachConcurrently } from '../pacing/pool.js';
import { stableStringify } from '../fs/atomic-write.js';
import type { Identity } from '../plan/schema.js';
import { identityStepFor, type DeviceEvent, type DeviceRecord, type DeviceState } from '../state/device-state.js';
import type { ApplyStage, StageOutcome } from './apply-stage.js';
import { ensureIdentityBatch, type DeviceOutcome } from './ensure-identity-batch.js';
import { SAS_KEYS_FILE, SasKeyFile } from './sas-key-file.js';

/** IoT Hub's bulk registry API takes 1 to 100 devices a request. */
const BULK_BATCH_SIZE = 100;
const TWIN_CONCURRENCY = 10;

export interface IdentitiesStageOptions {
  /** The hub's host name, for messages and the SAS key file. */
  hostName: string;
  /** The registry adapter, built with the stage's retry options (signal, throttle reporting). */
  registryFor(options: HubCallOptions): IdentityRegistry;
  /** Bulk requests in flight at once. */
  concurrency: number;
}

/**
 * `apply --stage identities`: every identity of the plan on the hub, with its twin seed.
 * Per device: pending → identity-created, or pending with the reason it failed (tried
 * again on the next run). Work goes in batches of 100; each batch's outcomes are
 * committed to the state store in one transaction as soon as the hub has answered, so a
 * kill loses at most the batches in flight, and those are found on the hub next time.
 */
export function identitiesStage(options: IdentitiesStageOptions): ApplyStage {
  return {
    name: 'identities',
    title: `Creating device identities on IoT Hub ${options.hostName}`,

    preview({ plan, store, stateDir }) {
      const work = planWork(plan.identities, (deviceId) => store.get(deviceId));
      const byType = countBy(work.ensure, (identity) => identity.authentication.type);
      const kinds = Object.entries(byType).map(([type, count]) => `${count} ${type}`).join(', ');
      const lines = [
        work.ensure.length === 0
          ? `identities: all ${devices(plan.identities.length)} already have their identity on ${options.hostName}`
          : `identities: ${work.ensure.length} of ${devices(plan.identities.length)} to create (or bring in line where they exist) on IoT Hub ${options.hostName}: ${kinds}; with their twin tags and desired properties`,
      ];
      if (byType.sas) lines.push(`  SAS keys for ${devices(byType.sas)} are generated into ${join(stateDir, SAS_KEYS_FILE)} (mode 0600)`);
      if (work.locked.length > 0) lines.push(`  ${devices(work.locked.length)} changed in the plan but already in the rollout: left as they are`);
      return { lines, writes: work.ensure.length > 0 };
    },

    async run({ plan, store, stateDir, emit, signal }): Promise<StageOutcome> {
      const work = planWork(plan.identities, (deviceId) => store.get(deviceId));
      store.enrol(plan.identities.map((identity) => identity.deviceId));
      store.record(work.outdated.map((identity) => ({ deviceId: identity.deviceId, event: { type: 'identity-outdated' } })));
      for (const { identity, state } of work.locked) {
        emit({
          type: 'warning',
          code: 'identity-locked',
          subject: identity.deviceId,
          message: `${identity.deviceId}: its identity changed in the plan, but it is already ${state}; left as it is`,
        });
      }

      let throttled = 0;
      const deps = {
        registry: options.registryFor({
          signal,
          onThrottled: (operation, retryInMs) => {
            throttled += 1;
            emit({ type: 'throttled', stage: 'identities', operation, retryInMs });
          },
        }),
        sasKeys: await SasKeyFile.open(stateDir, options.hostName),
        twinConcurrency: TWIN_CONCURRENCY,
      };
      const digests = new Map(work.ensure.map((identity) => [identity.deviceId, identityDigest(identity)]));
      const counts = { created: 0, updated: 0, unchanged: 0, failed: 0 };
      const started = performance.now();
      let done = 0;
      const total = work.ensure.length;
      if (total > 0) emit({ type: 'progress', stage: 'identities', resource: 'identities', done, total });
      await forEachConcurrently(batchesOf(work.ensure, BULK_BATCH_SIZE), options.concurrency, async (batch) => {
        signal.throwIfAborted();
        const outcomes = await ensureIdentityBatch(batch, deps);
        store.record(outcomes.map((outcome) => ({ deviceId: outcome.deviceId, event: eventFor(outcome, digests.get(outcome.deviceId)!) })));
        for (const outcome of outcomes) counts[outcome.kind] += 1;
        done += batch.length;
        const seconds = (performance.now() - started) / 1000;
        emit({ type: 'progress', stage: 'identities', resource: 'identities', done, total, ratePerSecond: seconds > 0 ? done / seconds : undefined });
      });

      const inPlan = new Set(plan.identities.map((identity) => identity.deviceId));
      const notDone = store.failures().filter((failure) => inPlan.has(failure.deviceId));
      const sasDevices = plan.identities.filter((identity) => identity.authentication.type === 'sas').length;
      const lines = [
        `Identities on IoT Hub ${options.hostName}: ${devices(plan.identities.length)} in the plan`,
        `  this run: ${counts.created} created, ${counts.updated} updated, ${counts.unchanged} unchanged, ${counts.failed} failed${
          throttled > 0 ? ` (${throttled} throttled calls retried)` : ''
        }`,
        ...(work.done > 0 ? [`  ${work.done} done by earlier runs`] : []),
        ...(sasDevices > 0 ? [`  SAS keys of ${devices(sasDevices)}: ${deps.sasKeys.path} (mode 0600; never printed or logged)`] : []),
        ...(notDone.length > 0
          ? [`  ${devices(notDone.length)} ${notDone.length === 1 ? 'has' : 'have'} no identity yet; fix what is said below and run apply again:`, ...notDone.map((failure) => `    ${failure.deviceId}: ${failure.reason}`)]
          : []),
      ];
      return {
        lines,
        counts: { ...counts, alreadyDone: work.done, locked: work.locked.length, throttled },
        notDone,
      };
    },
  };
}

/** Which identity the plan wants: a change of authentication or twin seed makes the device due again. */
export function identityDigest(identity: Identity): string {
  return createHash('sha256').update(stableStringify({ authentication: identity.authentication, twin: identity.twin })).digest('hex');
}

interface StageWork {
  ensure: Identity[];
  /** Ensured before, for an identity the plan no longer wants. */
  outdated: Identity[];
  locked: Array<{ identity: Identity; state: DeviceState }>;
  done: number;
}

function planWork(identities: readonly Identity[], recordOf: (deviceId: string) => DeviceRecord | undefined): StageWork {
  const work: StageWork = { ensure: [], outdated: [], locked: [], done: 0 };
  for (const identity of identities) {
    const step = identityStepFor(recordOf(identity.deviceId), identityDigest(identity));
    if (step.kind === 'ensure') {
      work.ensure.push(identity);
      if (step.outdated) work.outdated.push(identity);
    } else if (step.kind === 'locked') work.locked.push({ identity, state: step.state });
    else work.done += 1;
  }
  return work;
}

function eventFor(outcome: DeviceOutcome, digest: string): DeviceEvent {
  return outcome.kind === 'failed'
    ? { type: 'identity-failed', reason: outcome.reason }
    : { type: 'identity-ensured', outcome: outcome.kind, digest };
}

function* batchesOf<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let start = 0; start < items.length; start += size) yield items.slice(start, start + size);
}

function devices(count: number): string {
  return `${count} device${count === 1 ? '' : 's'}`;
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}
