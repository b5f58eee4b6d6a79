import type { BulkItemResult, BulkWriteResult, IdentityRegistry } from '../azure/identity-registry.js';
import { deviceToCreate, deviceToUpdate, identityMatches, type RegisteredDevice } from '../azure/registry-device.js';
import { twinPatchFor } from '../azure/twin-patch.js';
import { forEachConcurrently } from '../pacing/pool.js';
import type { Identity } from '../plan/schema.js';
import type { IdentityOutcome } from '../state/device-state.js';
import type { SasKeyFile } from './sas-key-file.js';

export type DeviceOutcome = { deviceId: string; kind: IdentityOutcome } | { deviceId: string; kind: 'failed'; reason: string };

export interface BatchDependencies {
  registry: IdentityRegistry;
  sasKeys: SasKeyFile;
  /** Twin reads and patches in flight at once. */
  twinConcurrency: number;
}

/** Rounds of re-reading a device that changed on the hub between our read and our write. */
export const MAX_ETAG_ROUNDS = 5;

/**
 * Gives up to 100 devices the identity and twin the plan wants, createOrUpdate-style,
 * so running it twice, or after a kill, never duplicates or fails on what exists:
 * 1. one bulk create (identity and twin seed together) for the whole batch;
 * 2. the devices the hub already has are read (twin GET), and only what differs is
 *    written: their identities in one bulk update that names the device etag read, their
 *    twins by PATCH with the twin etag read. A device changed meanwhile (412) is read again.
 * Returns one outcome per device, in batch order; a device's failure never stops the others.
 */
export async function ensureIdentityBatch(batch: readonly Identity[], deps: BatchDependencies): Promise<DeviceOutcome[]> {
  const keys = await deps.sasKeys.ensure(batch.filter((identity) => identity.authentication.type === 'sas').map((identity) => identity.deviceId));
  const outcomes = new Map<string, DeviceOutcome>();
  const existing: Identity[] = [];
  const created = await writeFindingRefusals(batch, (part) => deps.registry.createDevices(part.map((identity) => deviceToCreate(identity, keys.get(identity.deviceId)))));
  for (const { identity, result } of created) {
    if (result.ok) outcomes.set(identity.deviceId, { deviceId: identity.deviceId, kind: 'created' });
    else if (result.code === 'DeviceAlreadyExists') existing.push(identity);
    else outcomes.set(identity.deviceId, failed(identity, `${result.code}: ${result.message}`));
  }
  for (const outcome of await reconcileExisting(existing, deps)) outcomes.set(outcome.deviceId, outcome);
  return batch.map((identity) => outcomes.get(identity.deviceId)!);
}

async function reconcileExisting(identities: readonly Identity[], deps: BatchDependencies): Promise<DeviceOutcome[]> {
  const { registry, sasKeys, twinConcurrency } = deps;
  const outcomes: DeviceOutcome[] = [];
  const changed = new Set<string>();
  let round = identities;
  for (let attempt = 1; round.length > 0; attempt += 1) {
    const conflicted: Identity[] = [];
    const read: Array<{ identity: Identity; registered: RegisteredDevice }> = [];
    await forEachConcurrently(round, twinConcurrency, async (identity) => {
      const registered = await registry.readDevice(identity.deviceId);
      if (!registered) {
        outcomes.push(failed(identity, 'it was deleted from the hub while apply ran; run apply again to create it'));
        return;
      }
      if (identity.authentication.type === 'sas' && registered.authenticationType === 'sas') {
        // Its keys are whatever it has: rotating them could lock out whoever uses it already.
        const keys = await registry.readSasKeys(identity.deviceId);
        if (keys) await sasKeys.adopt(identity.deviceId, keys);
      }
      read.push({ identity, registered });
    });

    const mismatched = read.filter(({ identity, registered }) => !identityMatches(identity.authentication, registered));
    const toPatch = read.filter(({ identity, registered }) => identityMatches(identity.authentication, registered));
    if (mismatched.length > 0) {
      const etags = new Map(mismatched.map(({ identity, registered }) => [identity.deviceId, registered]));
      const updated = await writeFindingRefusals(
        mismatched.map(({ identity }) => identity),
        (part) => registry.updateDevices(part.map((identity) => deviceToUpdate(identity, sasKeys.get(identity.deviceId), etags.get(identity.deviceId)!.deviceEtag))),
      );
      for (const { identity, result } of updated) {
        if (result.ok) {
          changed.add(identity.deviceId);
          toPatch.push({ identity, registered: etags.get(identity.deviceId)! });
        } else if (result.code === 'PreconditionFailed') conflicted.push(identity);
        else outcomes.push(failed(identity, `${result.code}: ${result.message}`));
      }
    }

    await forEachConcurrently(toPatch, twinConcurrency, async ({ identity, registered }) => {
      const patch = twinPatchFor(registered, identity.twin);
      if (patch) {
        const result = await registry.patchTwin(identity.deviceId, patch, registered.twinEtag);
        if (result.kind === 'etag-changed') {
          conflicted.push(identity);
          return;
        }
        if (result.kind === 'refused') {
          outcomes.push(failed(identity, `its twin was refused: ${result.message}`));
          return;
        }
        changed.add(identity.deviceId);
      }
      outcomes.push({ deviceId: identity.deviceId, kind: changed.has(identity.deviceId) ? 'updated' : 'unchanged' });
    });

    if (attempt === MAX_ETAG_ROUNDS) {
      for (const identity of conflicted) outcomes.push(failed(identity, `it kept changing on the hub while apply wrote it (${MAX_ETAG_ROUNDS} etag mismatches); run apply again`));
      break;
    }
    round = conflicted;
  }
  return outcomes;
}

/**
 * A bulk write, split in halves whenever the hub refuses a request as a whole without
 * naming the device (IoT Hub checks every item before it writes any), until the device
 * it refuses is alone and the others are written.
 */
async function writeFindingRefusals(
  identities: readonly Identity[],
  write: (part: readonly Identity[]) => Promise<BulkWriteResult>,
): Promise<Array<{ identity: Identity; result: BulkItemResult }>> {
  if (identities.length === 0) return [];
  const written = await write(identities);
  if (written.kind === 'written') return identities.map((identity, index) => ({ identity, result: written.items[index]! }));
  if (identities.length === 1) {
    return [{ identity: identities[0]!, result: { deviceId: identities[0]!.deviceId, ok: false, code: 'Refused', message: written.message } }];
  }
  const middle = Math.ceil(identities.length / 2);
  return [...(await writeFindingRefusals(identities.slice(0, middle), write)), ...(await writeFindingRefusals(identities.slice(middle), write))];
}

function failed(identity: Identity, reason: string): DeviceOutcome {
  return { deviceId: identity.deviceId, kind: 'failed', reason };
}
