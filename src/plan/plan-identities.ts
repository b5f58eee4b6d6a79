import type { Certificate, Manifest, Thing } from '../manifest/schema.js';
import { deviceIdProblem } from './device-id.js';
import { authenticationFor } from './identity-authentication.js';
import type { Identity, NotMigrated } from './schema.js';
import { twinSeedOf } from './twin-seed.js';

export interface IdentityPlan {
  /** Sorted by deviceId. */
  identities: Identity[];
  /** Things without an identity, and identities the rollout cannot reach; by thing name. */
  notMigrated: NotMigrated[];
}

/**
 * One Azure identity per thing, under the client ID the device already connects with.
 * A thing gets none when Azure would reject that ID, or when several things share it
 * (only one device can hold an ID, and choosing which is the owner's call).
 */
export function planIdentities(manifest: Manifest): IdentityPlan {
  const certificatesById = new Map(manifest.certificates.map((certificate) => [certificate.certificateId, certificate]));
  const registeredCaIds = new Set(manifest.caCertificates.map((ca) => ca.certificateId));
  const groupsOf = groupsWithAncestors(manifest);
  const thingsPerClientId = new Map<string, string[]>();
  for (const thing of manifest.things) {
    const things = thingsPerClientId.get(thing.clientId) ?? [];
    things.push(thing.thingName);
    thingsPerClientId.set(thing.clientId, things);
  }

  const identities: Identity[] = [];
  const notMigrated: NotMigrated[] = [];
  for (const thing of manifest.things) {
    const deviceId = thing.clientId;
    const problem = deviceIdProblem(deviceId);
    if (problem) {
      notMigrated.push({
        kind: 'thing',
        subject: thing.thingName,
        reason: 'device-id-rejected',
        message: `its client ID ${JSON.stringify(deviceId)} ${problem}; give the thing a client ID Azure accepts (firmware and manifest) and plan again`,
      });
      continue;
    }
    const sharing = thingsPerClientId.get(deviceId)!;
    if (sharing.length > 1) {
      notMigrated.push({
        kind: 'thing',
        subject: thing.thingName,
        reason: 'device-id-duplicate',
        message: `things ${sharing.join(', ')} all connect as client ID ${JSON.stringify(deviceId)}; an Azure device ID belongs to one device: fix the client IDs and plan again`,
      });
      continue;
    }
    const decision = authenticationFor(
      deviceId,
      thing.certificateIds.map((id): Certificate | undefined => certificatesById.get(id)),
      registeredCaIds,
    );
    const twin = twinSeedOf(thing, groupsOf);
    identities.push({
      deviceId,
      thingName: thing.thingName,
      authentication: decision.authentication,
      certificates: decision.certificates,
      flags: [...new Set([...decision.flags, ...twin.flags])].sort(),
      twin: { tags: twin.tags, desired: twin.desired },
      reportedAtSource: twin.reportedAtSource,
    });
    if (decision.authentication.type === 'sas') {
      notMigrated.push({
        kind: 'thing',
        subject: thing.thingName,
        reason: 'no-active-certificate',
        message:
          'no ACTIVE certificate, so it cannot reach AWS IoT to take the firmware update; its identity is created with a SAS key (written by apply to a 0600 file) for provisioning by hand',
      });
    }
  }
  identities.sort((a, b) => (a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : 0));
  return { identities, notMigrated };
}

function groupsWithAncestors(manifest: Manifest): (thing: Thing) => string[] {
  const parentOf = new Map(manifest.thingGroups.map((group) => [group.groupName, group.parentGroupName]));
  const lineage = new Map<string, string[]>();
  const lineageOf = (group: string): string[] => {
    const known = lineage.get(group);
    if (known) return known;
    const chain: string[] = [];
    // The visited check guards against a cycle in a hand-edited manifest.
    for (let current: string | null | undefined = group; current && !chain.includes(current); current = parentOf.get(current)) {
      chain.push(current);
    }
    lineage.set(group, chain);
    return chain;
  };
  return (thing) => [...new Set(thing.groups.flatMap(lineageOf))].sort();
}
