import { setMaxListeners } from 'node:events';
import { resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { saveManifest } from '../manifest/io.js';
import type { Finding, FirmwareRepo, Manifest } from '../manifest/schema.js';
import type { EmitProgress } from '../progress/events.js';
import { assembleManifest } from './assemble-manifest.js';
import { cloudErrorFor } from './aws-failures.js';
import { compareCodeUnits } from './code-unit-order.js';
import { createAwsClients, type AwsClients } from './create-aws-clients.js';
import { DetectCheckpoint, type ResumeMode } from './detect-checkpoint.js';
import type { EstateReadings } from './estate-readings.js';
import { CallGovernor } from './pacing/call-governor.js';
import type { EstateLists, EstateResults } from './read-aws-estate.js';
import { countManifest, summarizeManifest } from './summarize-manifest.js';

export interface DetectOptions {
  /** Where the manifest goes. */
  out: string;
  /** AWS region; default: the SDK's chain (AWS_REGION, the profile). */
  region?: string;
  /** Firmware repos to scan, as the user gave them. */
  firmwareRepos: string[];
  /** 'auto' continues a matching checkpoint, 'always' requires one, 'never' starts over. */
  resume: ResumeMode;
  checkpointFile: string;
  /** Read device shadows (one data-plane call per shadow). */
  shadows: boolean;
  /** Calls in flight per AWS API operation; default 8. */
  concurrency?: number;
  /** Stops detect between calls, keeping the checkpoint; the abort reason is thrown. */
  signal?: AbortSignal;
  onEvent: EmitProgress;
}

export interface DetectResult {
  manifest: Manifest;
  manifestPath: string;
  summaryLines: string[];
  counts: Record<string, number>;
}

const DEFAULT_CONCURRENCY = 8;
/** Sockets per client, per unit of concurrency: the operations of one client run side by side. */
const SOCKETS_PER_CONCURRENCY = 4;
/** Findings of one kind shown as warning events; the rest are counted in one more. */
const WARNINGS_PER_CODE = 20;
/** One `throttled` event per operation per interval: a throttled run would otherwise flood the stream. */
const THROTTLE_EVENT_INTERVAL_MS = 1_000;

/**
 * `iotmigrate detect`: reads the AWS IoT estate (and scans firmware repos) into the
 * manifest. Interrupted runs leave a checkpoint that the next run continues from.
 */
export async function runDetect(options: DetectOptions): Promise<DetectResult> {
  const emit = options.onEvent;
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new UsageError(`concurrency must be a whole number of at least 1, got ${concurrency}`);
  }
  options.signal?.throwIfAborted();
  // Firmware first: a mistyped repo path should fail now, not after hours of AWS calls.
  const firmware = await scanFirmwareRepos(options.firmwareRepos, emit);

  const clients = await createAwsClients({ region: options.region, maxSockets: concurrency * SOCKETS_PER_CONCURRENCY });
  try {
    const checkpoint = await DetectCheckpoint.open<EstateLists, EstateResults>({
      file: options.checkpointFile,
      source: { region: clients.region, controlEndpoint: clients.controlEndpoint },
      resume: options.resume,
    });
    if (checkpoint.resumed) {
      emit({
        type: 'log',
        level: 'info',
        message: `Resuming detect from ${checkpoint.file} (started ${checkpoint.resumed.startedAt}; ${checkpoint.resumed.records} records kept)`,
      });
    }
    if (checkpoint.discarded) {
      emit({ type: 'log', level: 'info', message: `Not resuming: ${checkpoint.discarded.reason}. Reading the estate from the start.` });
    }

    let readings: EstateReadings;
    try {
      readings = await readEstate(options, clients, checkpoint, concurrency);
    } catch (error) {
      await checkpoint.close();
      throw error;
    }

    const manifest = assembleManifest(readings, firmware, new Date());
    emitFindings(manifest.findings, emit);
    const manifestPath = resolve(options.out);
    try {
      await saveManifest(manifestPath, manifest);
    } catch (error) {
      await checkpoint.close();
      throw error;
    }
    await checkpoint.remove();
    return {
      manifest,
      manifestPath,
      summaryLines: summarizeManifest(manifest, { shadowsRead: options.shadows }),
      counts: countManifest(manifest),
    };
  } finally {
    clients.destroy();
  }
}

async function readEstate(
  options: DetectOptions,
  clients: AwsClients,
  checkpoint: DetectCheckpoint<EstateLists, EstateResults>,
  concurrency: number,
): Promise<EstateReadings> {
  const emit = options.onEvent;
  const halt = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, halt.signal]) : halt.signal;
  // Every call waiting for its turn listens on this one signal: hundreds of listeners is normal here.
  setMaxListeners(0, signal);
  const lastThrottleEvent = new Map<string, number>();
  const governor = new CallGovernor({
    maxConcurrency: concurrency,
    signal,
    onThrottled(operation, retryInMs) {
      const now = performance.now();
      if (now - (lastThrottleEvent.get(operation) ?? Number.NEGATIVE_INFINITY) < THROTTLE_EVENT_INTERVAL_MS) return;
      lastThrottleEvent.set(operation, now);
      emit({ type: 'throttled', stage: 'detect', operation, retryInMs });
    },
  });

  emit({ type: 'stage', stage: 'detect', status: 'started', title: `Reading the AWS IoT estate in ${clients.region}` });
  try {
    const { readAwsEstate } = await import('./read-aws-estate.js');
    const readings = await readAwsEstate({
      clients,
      governor,
      checkpoint,
      shadows: options.shadows,
      concurrency,
      halt: (reason) => halt.abort(reason),
      emit,
    });
    const paces = Object.entries(governor.limiterStates())
      .filter(([, state]) => state.ratePerSecond !== undefined)
      .map(([operation, state]) => `${operation} ${state.ratePerSecond!.toFixed(0)}/s`);
    if (paces.length > 0) emit({ type: 'log', level: 'debug', message: `Throttled APIs settled at: ${paces.join(', ')}` });
    emit({ type: 'stage', stage: 'detect', status: 'finished' });
    return readings;
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    const call = governor.failedCallOf(error);
    throw cloudErrorFor(error, { operation: call?.operation, endpoint: call?.endpoint ?? clients.controlEndpointShown }) ?? error;
  }
}

async function scanFirmwareRepos(repos: string[], emit: EmitProgress): Promise<FirmwareRepo[]> {
  if (repos.length === 0) return [];
  const paths = [...new Set(repos)].sort(compareCodeUnits);
  // Loaded on demand: the scanner brings ts-morph and the TypeScript compiler.
  const { scanFirmwareRepo } = await import('./firmware/scan-firmware-repo.js');
  emit({ type: 'stage', stage: 'scan', status: 'started', title: `Scanning ${paths.length} firmware repo${paths.length > 1 ? 's' : ''}` });
  const scanned: FirmwareRepo[] = [];
  for (const path of paths) scanned.push(await scanFirmwareRepo(path, { displayPath: path }));
  emit({ type: 'stage', stage: 'scan', status: 'finished' });
  return scanned;
}

function emitFindings(findings: Finding[], emit: EmitProgress): void {
  const shown = new Map<string, number>();
  for (const finding of findings) {
    const count = (shown.get(finding.code) ?? 0) + 1;
    shown.set(finding.code, count);
    if (count <= WARNINGS_PER_CODE) emit({ type: 'warning', code: finding.code, message: finding.message, subject: finding.subject });
  }
  for (const [code, count] of shown) {
    if (count > WARNINGS_PER_CODE) {
      emit({ type: 'warning', code, message: `… and ${count - WARNINGS_PER_CODE} more ${code} findings in the manifest` });
    }
  }
}
