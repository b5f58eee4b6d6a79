import { assertNever } from '../assert-never.js';
import { writeChunks, writeChunksAtomic } from '../fs/write-chunks.js';
import { DEVICE_STATES, type DeviceRecord } from '../state/device-state.js';
import { StateStore } from '../state/state-store.js';
import { csvReportChunks } from './csv-report.js';
import { countFleet, type FleetCounts } from './fleet-counts.js';
import { htmlReportChunks } from './html-report.js';
import { jsonReportChunks, type ReportHeading } from './json-report.js';
import { loadPlannedWaves } from './plan-waves.js';
import { reportRowOf, type ReportRow } from './report-row.js';
import { waveNamer, type WaveNamer } from './wave-names.js';

export const REPORT_FORMATS = ['json', 'csv', 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** Where a format goes without --out: data formats to stdout for pipes, the page to a file a person opens. */
export function defaultReportOut(format: ReportFormat): string | undefined {
  return format === 'html' ? 'report.html' : undefined;
}

export interface RunReportOptions {
  stateDir: string;
  planDir: string;
  /** The user named the plan directory, so it must be there. */
  planRequired: boolean;
  format: ReportFormat;
  /** The file to write; undefined writes to `stdout`. */
  out: string | undefined;
  stdout: NodeJS.WritableStream;
  now?: () => Date;
}

export interface ReportOutcome {
  /** The file written, or undefined when the report went to stdout. */
  path: string | undefined;
  fleet: FleetCounts;
}

/**
 * Writes the report from one snapshot of the state store (so the counts agree with the
 * rows even while apply runs), streaming the rows: one device and its history at a time.
 */
export async function runReport(options: RunReportOptions): Promise<ReportOutcome> {
  const plannedWaves = await loadPlannedWaves(options.planDir, { required: options.planRequired });
  const waveName = waveNamer(plannedWaves);
  const store = StateStore.openReadOnly(options.stateDir);
  try {
    return await store.readConsistently(async () => {
      const heading: ReportHeading = {
        generatedAt: (options.now?.() ?? new Date()).toISOString(),
        fleet: countFleet({ counts: store.countsByState(), countsByWave: store.countsByWave(), plannedWaves, waveName }),
      };
      const chunks = chunksOf(options.format, heading, store, waveName);
      if (options.out === undefined) await writeToPipe(options.stdout, chunks);
      else await writeChunksAtomic(options.out, chunks);
      return { path: options.out, fleet: heading.fleet };
    });
  } finally {
    store.close();
  }
}

function chunksOf(format: ReportFormat, heading: ReportHeading, store: StateStore, waveName: WaveNamer): Iterable<string> {
  switch (format) {
    case 'json':
      return jsonReportChunks(heading, rowsOf(store.list(), store, waveName));
    case 'csv':
      return csvReportChunks(rowsOf(store.list(), store, waveName));
    case 'html':
      // A manager reads the page for what needs attention, so those devices come first.
      return htmlReportChunks(heading, rowsOf(notVerifiedFirst(store), store, waveName));
    default:
      return assertNever(format);
  }
}

/**
 * A reader that stops early (`report --format csv | head`) has what it wanted: stop
 * writing without an error, as Unix tools do.
 */
async function writeToPipe(stdout: NodeJS.WritableStream, chunks: Iterable<string>): Promise<void> {
  const readerGone = (error: NodeJS.ErrnoException) => error.code === 'EPIPE';
  // EPIPE can also arrive after the last write returned; without a listener it would crash the process.
  const ignoreGoneReader = (error: NodeJS.ErrnoException) => {
    if (!readerGone(error)) throw error;
  };
  stdout.on('error', ignoreGoneReader);
  try {
    await writeChunks(stdout, chunks);
  } catch (error) {
    if (!readerGone(error as NodeJS.ErrnoException)) throw error;
  }
}

function* notVerifiedFirst(store: StateStore): Generator<DeviceRecord> {
  yield* store.list({ states: DEVICE_STATES.filter((state) => state !== 'verified') });
  yield* store.list({ states: ['verified'] });
}

function* rowsOf(records: Iterable<DeviceRecord>, store: StateStore, waveName: WaveNamer): Generator<ReportRow> {
  for (const record of records) yield reportRowOf(record, store.history(record.deviceId), waveName);
}
