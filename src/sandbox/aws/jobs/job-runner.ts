import type { EstateStore } from '../estate-store.js';
import type { EstateJob, EstateJobExecution } from '../estate.js';
import {
  advanceJob,
  cancelExecution,
  cancelJob,
  pendingExecutions,
  startNextPending,
  updateExecution,
  type ExecutionUpdate,
  type JobsError,
} from './job-engine.js';
import { substitutePresignedUrls } from './job-document.js';
import { resolveJobTargets } from './job-targets.js';

/** The S3 side of jobs: documentSource objects to read, bundles to presign. */
export interface JobObjects {
  readObject(bucket: string, key: string): Promise<Buffer | undefined>;
  presignGetUrl(bucket: string, key: string, expiresInSec: number): string;
}

export interface JobRunnerOptions {
  store: EstateStore;
  /** Absent when the sandbox runs without S3: jobs then cannot use documentSource or presigned URLs. */
  objects?: JobObjects;
  /** Epoch seconds; the clock every rollout, timeout and timestamp is read from. */
  now?: () => number;
  /** How often the rollout and the timeouts advance. */
  tickIntervalMs?: number;
}

/** Called with the things whose pending job executions changed (the devices AWS would notify). */
export type PendingChangeListener = (thingNames: readonly string[]) => void;

/** AWS's default lifetime of a presigned URL in a job document. */
const DEFAULT_PRESIGNED_SECONDS = 3600;

/**
 * The Jobs service of the sandbox: the one owner of the estate's jobs, shared by the
 * control plane (CreateJob, CancelJob, ...) and the broker (the devices' Jobs MQTT API).
 * It applies the pure job engine to the estate, advances every job on a timer, persists
 * through the store, and tells listeners which devices' pending lists changed.
 */
export class JobRunner {
  readonly now: () => number;
  readonly objects: JobObjects | undefined;
  private readonly store: EstateStore;
  private readonly listeners: PendingChangeListener[] = [];
  private readonly timer: NodeJS.Timeout;
  /** The store revision each CONTINUOUS job's targets were last resolved at (jobs' own changes leave it alone). */
  private readonly targetsResolvedAt = new Map<string, number>();

  constructor(options: JobRunnerOptions) {
    this.store = options.store;
    this.objects = options.objects;
    this.now = options.now ?? (() => Date.now() / 1000);
    this.timer = setInterval(() => this.advance(), options.tickIntervalMs ?? 1000);
    // The sandbox's stop() closes the runner; a forgotten timer must not keep a process alive.
    this.timer.unref();
  }

  get jobs(): Record<string, EstateJob> {
    return this.store.estate.jobs;
  }

  onPendingChange(listener: PendingChangeListener): void {
    this.listeners.push(listener);
  }

  /** Adds a validated job and releases its first executions at once, as CreateJob does. */
  addJob(job: EstateJob): void {
    this.jobs[job.jobId] = job;
    this.store.jobsChanged();
    this.advance();
  }

  /** Moves every job's clock to now. */
  advance(): void {
    const now = this.now();
    const touched = new Set<string>();
    for (const job of Object.values(this.jobs)) {
      // Every execution of a completed job is terminal: nothing left to time out or release.
      if (job.status === 'COMPLETED') continue;
      for (const thingName of advanceJob(job, now, this.continuousTargets(job))) touched.add(thingName);
    }
    if (touched.size > 0) this.changed(touched);
  }

  pendingFor(thingName: string): EstateJobExecution[] {
    return pendingExecutions(Object.values(this.jobs), thingName);
  }

  startNext(thingName: string, request: { statusDetails?: Record<string, string>; stepTimeoutInMinutes?: number }): EstateJobExecution | undefined {
    const result = startNextPending(this.jobs, thingName, request, this.now());
    if (result) this.changed(result.touched);
    return result?.execution;
  }

  updateExecution(job: EstateJob, thingName: string, update: ExecutionUpdate): EstateJobExecution | JobsError {
    const result = updateExecution(job, thingName, update, this.now());
    if ('code' in result) return result;
    this.changed(result.touched);
    return result.execution;
  }

  cancelJob(job: EstateJob, request: { force: boolean; reasonCode?: string; comment?: string }): JobsError | undefined {
    const result = cancelJob(job, request, this.now());
    if (!(result instanceof Set)) return result;
    this.changed(result);
    return undefined;
  }

  cancelExecution(job: EstateJob, thingName: string, request: { force: boolean; expectedVersion?: number; statusDetails?: Record<string, string> }): EstateJobExecution | JobsError {
    const result = cancelExecution(job, thingName, request, this.now());
    if (!('code' in result)) this.changed(new Set([thingName]));
    return result;
  }

  /** The job document a device is handed: parsed, with presigned URLs of the sandbox S3 in place of the placeholders. */
  documentForDevice(job: EstateJob): unknown {
    const objects = this.objects;
    const expiresInSec = job.presignedUrlConfig?.expiresInSec ?? DEFAULT_PRESIGNED_SECONDS;
    const text = objects ? substitutePresignedUrls(job.document, ({ bucket, key }) => objects.presignGetUrl(bucket, key, expiresInSec)) : job.document;
    return JSON.parse(text) as unknown;
  }

  close(): void {
    clearInterval(this.timer);
  }

  private continuousTargets(job: EstateJob): string[] | undefined {
    if (job.targetSelection !== 'CONTINUOUS' || job.status !== 'IN_PROGRESS') return undefined;
    if (this.targetsResolvedAt.get(job.jobId) === this.store.revision) return undefined;
    this.targetsResolvedAt.set(job.jobId, this.store.revision);
    const resolved = resolveJobTargets(this.store, job.targets);
    return 'things' in resolved ? resolved.things : undefined;
  }

  private changed(touched: ReadonlySet<string>): void {
    this.store.jobsChanged();
    if (touched.size === 0) return;
    const thingNames = [...touched];
    for (const listener of this.listeners) listener(thingNames);
  }
}
