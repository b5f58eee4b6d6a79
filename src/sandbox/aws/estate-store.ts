import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DebouncedJsonFile } from '../debounced-json-file.js';
import type { AwsEstate, EstateCertificate, EstateThing, EstateThingGroup } from './estate.js';
import { compileFleetQuery } from './fleet-index-query.js';
import { countExecutions, initialRolloutState } from './jobs/job-engine.js';

const ESTATE_FILE = 'aws-estate.json';
const JOBS_FILE = 'aws-jobs.json';

/**
 * Holds the sandbox's AWS estate in memory and keeps `<state-dir>/aws-estate.json` in
 * step with it, so the estate survives `sandbox down` / `up`. Writers mutate
 * `estate` and call `changed()`; the file follows within moments (DebouncedJsonFile).
 * Jobs live in `aws-jobs.json` of their own, written on `jobsChanged()`: a rollout
 * changes them many times a second, and rewriting a 10,000-thing estate with its
 * certificates each time (about 30 MB) would keep the sandbox busy doing only that.
 */
export class EstateStore {
  private readonly persisted: DebouncedJsonFile;
  private readonly persistedJobs: DebouncedJsonFile;
  private readonly queryCache = new Map<string, ReturnType<typeof compileFleetQuery>>();
  private revisionCounter = 0;

  private constructor(
    readonly estate: AwsEstate,
    stateDir: string | undefined,
  ) {
    this.persisted = new DebouncedJsonFile(stateDir && join(stateDir, ESTATE_FILE), () => ({ ...this.estate, jobs: {} }));
    this.persistedJobs = new DebouncedJsonFile(stateDir && join(stateDir, JOBS_FILE), () => this.estate.jobs);
  }

  /** An estate kept only in memory (benchmarks, unit tests). */
  static inMemory(estate: AwsEstate): EstateStore {
    return new EstateStore(estate, undefined);
  }

  /** The estate persisted in `stateDir`, or undefined when there is none yet. */
  static async load(stateDir: string): Promise<EstateStore | undefined> {
    let estate: AwsEstate;
    try {
      estate = JSON.parse(await readFile(join(stateDir, ESTATE_FILE), 'utf8')) as AwsEstate;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    try {
      estate.jobs = JSON.parse(await readFile(join(stateDir, JOBS_FILE), 'utf8')) as AwsEstate['jobs'];
    } catch (error) {
      // A state dir from before jobs had a file of their own keeps them in the estate.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    // ... and without rollout or executions.
    for (const job of Object.values(estate.jobs)) {
      job.rollout ??= initialRolloutState(undefined, [], job.createdAt);
      job.executions ??= {};
      job.executionCounts ??= countExecutions(job.executions);
    }
    return new EstateStore(estate, stateDir);
  }

  /** A new estate persisted in `stateDir`; written at once. */
  static async create(stateDir: string, estate: AwsEstate): Promise<EstateStore> {
    const store = new EstateStore(estate, stateDir);
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

  /** Jobs changed (a job or execution): only `aws-jobs.json` is rewritten, and estate views stay valid. */
  jobsChanged(): void {
    this.persistedJobs.schedule();
  }

  async flush(): Promise<void> {
    await Promise.all([this.persisted.flush(), this.persistedJobs.flush()]);
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
