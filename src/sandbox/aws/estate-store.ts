import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DebouncedJsonFile } from '../debounced-json-file.js';
import type { AwsEstate, EstateCertificate, EstateThing, EstateThingGroup } from './estate.js';
import { compileFleetQuery } from './fleet-index-query.js';
import { countExecutions, initialRolloutState } from './jobs/job-engine.js';

const ESTATE_FILE = 'aws-estate.json';

/**
 * Holds the sandbox's AWS estate in memory and keeps `<state-dir>/aws-estate.json` in
 * step with it, so the estate survives `sandbox down` / `up`. Writers mutate
 * `estate` and call `changed()`; the file follows within moments (DebouncedJsonFile).
 */
export class EstateStore {
  private readonly persisted: DebouncedJsonFile;
  private readonly queryCache = new Map<string, ReturnType<typeof compileFleetQuery>>();
  private revisionCounter = 0;

  private constructor(
    readonly estate: AwsEstate,
    file: string | undefined,
  ) {
    this.persisted = new DebouncedJsonFile(file, () => this.estate);
  }

  /** An estate kept only in memory (benchmarks, unit tests). */
  static inMemory(estate: AwsEstate): EstateStore {
    return new EstateStore(estate, undefined);
  }

  /** The estate persisted in `stateDir`, or undefined when there is none yet. */
  static async load(stateDir: string): Promise<EstateStore | undefined> {
    const file = join(stateDir, ESTATE_FILE);
    try {
      const estate = JSON.parse(await readFile(file, 'utf8')) as AwsEstate;
      // A state dir from before the sandbox ran jobs holds them without rollout or executions.
      for (const job of Object.values(estate.jobs)) {
        job.rollout ??= initialRolloutState(undefined, [], job.createdAt);
        job.executions ??= {};
        job.executionCounts ??= countExecutions(job.executions);
      }
      return new EstateStore(estate, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  /** A new estate persisted in `stateDir`; written at once. */
  static async create(stateDir: string, estate: AwsEstate): Promise<EstateStore> {
    const store = new EstateStore(estate, join(stateDir, ESTATE_FILE));
    await store.flush();
    return store;
  }

  /** Bumped by every `changed()`: views derived from the estate are valid while it stays the same. */
  get revision(): number {
    return this.revisionCounter;
  }

  changed(): void {
    this.revisionCounter += 1;
    this.persisted.schedule();
  }

  flush(): Promise<void> {
    return this.persisted.flush();
  }

  /** Things sorted by name: the order every list operation pages through. */
  sortedThingNames(): string[] {
    return Object.keys(this.estate.things).sort();
  }

  thingsInGroup(group: EstateThingGroup, recursive: boolean): string[] {
    const names = new Set(this.directMembers(group));
    if (recursive) {
      for (const child of Object.values(this.estate.thingGroups)) {
        if (this.isDescendant(child, group.groupName)) for (const name of this.directMembers(child)) names.add(name);
      }
    }
    return [...names].sort();
  }

  groupsForThing(thingName: string): EstateThingGroup[] {
    const thing = this.estate.things[thingName];
    // Dynamic groups are tested against this one thing: listing their members instead
    // would make a pass over a 10,000-thing fleet quadratic.
    const isMember = (group: EstateThingGroup) =>
      group.dynamic ? thing !== undefined && this.compiledQuery(group.dynamic.queryString)(thing) : group.members.includes(thingName);
    return Object.values(this.estate.thingGroups)
      .filter(isMember)
      .sort((a, b) => a.groupName.localeCompare(b.groupName));
  }

  certificateById(certificateId: string): EstateCertificate | undefined {
    return this.estate.certificates[certificateId];
  }

  certificateByArn(certificateArn: string): EstateCertificate | undefined {
    return this.estate.certificates[certificateArn.slice(certificateArn.lastIndexOf('/') + 1)];
  }

  thingsForPrincipal(principalArn: string): string[] {
    return Object.entries(this.estate.thingPrincipals)
      .filter(([, principals]) => principals.includes(principalArn))
      .map(([thingName]) => thingName)
      .sort();
  }

  private directMembers(group: EstateThingGroup): string[] {
    if (!group.dynamic) return group.members;
    const matches = this.compiledQuery(group.dynamic.queryString);
    return Object.values(this.estate.things)
      .filter((thing: EstateThing) => matches(thing))
      .map((thing) => thing.thingName);
  }

  private compiledQuery(query: string): ReturnType<typeof compileFleetQuery> {
    let matches = this.queryCache.get(query);
    if (!matches) {
      matches = compileFleetQuery(query);
      this.queryCache.set(query, matches);
    }
    return matches;
  }

  private isDescendant(group: EstateThingGroup, ancestor: string): boolean {
    let parent = group.parentGroupName;
    while (parent) {
      if (parent === ancestor) return true;
      parent = this.estate.thingGroups[parent]?.parentGroupName;
    }
    return false;
  }
}
