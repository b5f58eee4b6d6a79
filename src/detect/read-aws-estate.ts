import type { Job, Shadow, ThingType, TopicRule } from '../manifest/schema.js';
import type { EmitProgress } from '../progress/events.js';
import type { AwsClients } from './create-aws-clients.js';
import type { DetectCheckpoint } from './detect-checkpoint.js';
import type {
  CaCertificateReading,
  CertificateReading,
  EstateReadings,
  PolicyReading,
  ThingGroupReading,
  ThingReading,
  VanishedKind,
} from './estate-readings.js';
import type { CallGovernor } from './pacing/call-governor.js';
import { forEachConcurrently } from '../pacing/pool.js';
import { ProgressMeter } from './progress-meter.js';
import { describeCaCertificate, describeCertificate, listCaCertificateIds, listCertificateIds } from './read-certificates.js';
import { readDataEndpoint } from './read-endpoint.js';
import { listJobs } from './read-jobs.js';
import { getPolicy, listPolicyNames, listPolicyTargets } from './read-policies.js';
import { readThingShadows } from './read-shadows.js';
import { describeThingGroup, listThingGroupNames, listThingsInThingGroup } from './read-thing-groups.js';
import { listThingTypes } from './read-thing-types.js';
import { describeThing, listThingNames, listThingPrincipals } from './read-things.js';
import { getTopicRule, listTopicRuleNames } from './read-topic-rules.js';

/** The list phases, and the item type each one's pages hold. */
export interface EstateLists {
  things: string;
  thingTypes: ThingType;
  thingGroups: string;
  certificates: string;
  caCertificates: string;
  policies: string;
  topicRules: string;
  jobs: Job;
}

/** The per-item results, keyed by the item's name; null when the item was gone. */
export interface EstateResults {
  endpoint: string;
  thing: ThingReading | null;
  principals: string[] | null;
  shadows: Shadow[];
  thingGroup: ThingGroupReading | null;
  groupMembers: string[] | null;
  certificate: CertificateReading | null;
  caCertificate: CaCertificateReading | null;
  policy: PolicyReading | null;
  policyTargets: string[] | null;
  topicRule: TopicRule | null;
}

export type EstateCheckpoint = DetectCheckpoint<EstateLists, EstateResults>;

export interface ReadAwsEstateOptions {
  clients: AwsClients;
  /** Paces and retries every call; installed on the clients here. */
  governor: CallGovernor;
  checkpoint: EstateCheckpoint;
  shadows: boolean;
  /** Calls in flight per operation. */
  concurrency: number;
  /** Stops every reader; its reason is what they throw. */
  halt: (reason: unknown) => void;
  emit: EmitProgress;
}

const DATA_ATS = 'iot:Data-ATS';

/**
 * Reads the whole estate. The resource families run side by side, and within each the
 * per-item calls run concurrently, so every API works through its own quota at the same
 * time; the run takes about as long as the busiest API needs. Everything read goes into
 * the checkpoint first, and whatever the checkpoint already holds is not read again.
 */
export async function readAwsEstate(options: ReadAwsEstateOptions): Promise<EstateReadings> {
  const { clients, governor, checkpoint, emit } = options;
  const iot = governor.install(clients.iot, clients.controlEndpointShown);
  // Tasks per family: twice the calls an operation may have in flight, so its limiter
  // always has the next call queued when one finishes.
  const tasks = options.concurrency * 2;

  let dataEndpoint = checkpoint.resultsOf('endpoint').get(DATA_ATS);
  if (dataEndpoint === undefined) {
    dataEndpoint = await readDataEndpoint(iot);
    checkpoint.recordResult('endpoint', DATA_ATS, dataEndpoint);
  }
  const dataPlane = options.shadows
    ? await clients.createDataPlane(dataEndpoint).then(({ client, endpoint }) => governor.install(client, endpoint))
    : undefined;

  async function list<K extends keyof EstateLists>(
    name: K,
    pages: () => AsyncIterable<EstateLists[K][]>,
    resource?: string,
  ): Promise<EstateLists[K][]> {
    const done = checkpoint.listed(name);
    if (done) return done;
    const meter = resource ? new ProgressMeter(emit, resource, undefined) : undefined;
    checkpoint.startList(name);
    for await (const page of pages()) {
      checkpoint.recordPage(name, page);
      meter?.advance(page.length);
    }
    checkpoint.finishList(name);
    meter?.finish();
    await checkpoint.flush();
    return checkpoint.listed(name)!;
  }

  async function forEachPending(
    resource: string,
    keys: string[],
    isDone: (key: string) => boolean,
    read: (key: string) => Promise<void>,
  ): Promise<void> {
    const pending = keys.filter((key) => !isDone(key));
    const meter = new ProgressMeter(emit, resource, keys.length, keys.length - pending.length);
    await forEachConcurrently(pending, tasks, async (key) => {
      await read(key);
      meter.advance();
    });
    meter.finish();
    await checkpoint.flush();
  }

  const families: Record<string, () => Promise<void>> = {
    things: async () => {
      const names = await list('things', () => listThingNames(iot), 'things listed');
      await Promise.all([
        forEachPending(
          'things',
          names,
          (name) => checkpoint.has('thing', name),
          async (name) => checkpoint.recordResult('thing', name, await describeThing(iot, name)),
        ),
        forEachPending(
          'principals',
          names,
          (name) => checkpoint.has('principals', name),
          async (name) => checkpoint.recordResult('principals', name, await listThingPrincipals(iot, name)),
        ),
        dataPlane &&
          forEachPending(
            'shadows',
            names,
            (name) => checkpoint.has('shadows', name),
            async (name) => checkpoint.recordResult('shadows', name, await readThingShadows(dataPlane, name)),
          ),
      ]);
    },
    thingTypes: async () => {
      await list('thingTypes', () => listThingTypes(iot));
    },
    thingGroups: async () => {
      const names = await list('thingGroups', () => listThingGroupNames(iot));
      await forEachPending(
        'thing groups',
        names,
        (name) => checkpoint.has('thingGroup', name) && checkpoint.has('groupMembers', name),
        async (name) => {
          const [group, members] = await Promise.all([describeThingGroup(iot, name), listThingsInThingGroup(iot, name)]);
          checkpoint.recordResult('thingGroup', name, group);
          checkpoint.recordResult('groupMembers', name, members);
        },
      );
    },
    certificates: async () => {
      const ids = await list('certificates', () => listCertificateIds(iot));
      await forEachPending(
        'certificates',
        ids,
        (id) => checkpoint.has('certificate', id),
        async (id) => checkpoint.recordResult('certificate', id, await describeCertificate(iot, id)),
      );
    },
    caCertificates: async () => {
      const ids = await list('caCertificates', () => listCaCertificateIds(iot));
      await forEachPending(
        'CA certificates',
        ids,
        (id) => checkpoint.has('caCertificate', id),
        async (id) => checkpoint.recordResult('caCertificate', id, await describeCaCertificate(iot, id)),
      );
    },
    policies: async () => {
      const names = await list('policies', () => listPolicyNames(iot));
      await forEachPending(
        'policies',
        names,
        (name) => checkpoint.has('policy', name) && checkpoint.has('policyTargets', name),
        async (name) => {
          const [policy, targets] = await Promise.all([getPolicy(iot, name), listPolicyTargets(iot, name)]);
          checkpoint.recordResult('policy', name, policy);
          checkpoint.recordResult('policyTargets', name, targets);
        },
      );
    },
    topicRules: async () => {
      const names = await list('topicRules', () => listTopicRuleNames(iot));
      await forEachPending(
        'topic rules',
        names,
        (name) => checkpoint.has('topicRule', name),
        async (name) => checkpoint.recordResult('topicRule', name, await getTopicRule(iot, name)),
      );
    },
    jobs: async () => {
      await list('jobs', () => listJobs(iot));
    },
  };

  let firstFailure: { error: unknown } | undefined;
  await Promise.all(
    Object.values(families).map(async (family) => {
      try {
        await family();
      } catch (error) {
        if (!firstFailure) {
          firstFailure = { error };
          options.halt(error);
        }
      }
    }),
  );
  if (firstFailure) throw firstFailure.error;
  const source = { region: clients.region, controlEndpoint: clients.controlEndpoint, dataEndpoint };
  return readingsFrom(checkpoint, source, options.shadows);
}

/** The readings for the listed names, from the checkpoint's results. */
function readingsFrom(checkpoint: EstateCheckpoint, source: EstateReadings['source'], shadows: boolean): EstateReadings {
  const vanished: EstateReadings['vanished'] = [];
  const present = <T>(kind: VanishedKind, keys: string[], results: ReadonlyMap<string, T | null>): T[] =>
    keys.flatMap((key) => {
      const value = results.get(key);
      if (value === null || value === undefined) {
        vanished.push({ kind, name: key });
        return [];
      }
      return [value];
    });
  const keyed = <T>(keys: string[], results: ReadonlyMap<string, T | null>): Map<string, T> =>
    new Map(keys.flatMap((key) => {
      const value = results.get(key);
      return value === null || value === undefined ? [] : [[key, value] as const];
    }));

  const thingNames = checkpoint.listed('things')!;
  const groupNames = checkpoint.listed('thingGroups')!;
  const policyNames = checkpoint.listed('policies')!;
  return {
    source,
    things: present('thing', thingNames, checkpoint.resultsOf('thing')),
    thingPrincipals: keyed(thingNames, checkpoint.resultsOf('principals')),
    shadows: shadows ? keyed(thingNames, checkpoint.resultsOf('shadows')) : null,
    thingTypes: checkpoint.listed('thingTypes')!,
    thingGroups: present('thing group', groupNames, checkpoint.resultsOf('thingGroup')),
    groupMembers: keyed(groupNames, checkpoint.resultsOf('groupMembers')),
    certificates: present('certificate', checkpoint.listed('certificates')!, checkpoint.resultsOf('certificate')),
    caCertificates: present('CA certificate', checkpoint.listed('caCertificates')!, checkpoint.resultsOf('caCertificate')),
    policies: present('policy', policyNames, checkpoint.resultsOf('policy')),
    policyTargets: keyed(policyNames, checkpoint.resultsOf('policyTargets')),
    topicRules: present('topic rule', checkpoint.listed('topicRules')!, checkpoint.resultsOf('topicRule')),
    jobs: checkpoint.listed('jobs')!,
    vanished,
  };
}
