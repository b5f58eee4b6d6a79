import type { FleetCounts } from './fleet-counts.js';
import type { ReportRow } from './report-row.js';

/** What every format says before (or beside) the rows; read from the same snapshot as the rows. */
export interface ReportHeading {
  generatedAt: string;
  fleet: FleetCounts;
}

/**
 * `{generatedAt, counts, waves, devices: [...]}`: the devices come last, one per line,
 * so the document is written as rows are read and stays greppable.
 */
export function* jsonReportChunks(heading: ReportHeading, rows: Iterable<ReportRow>): Generator<string> {
  const { fleet } = heading;
  yield `{"generatedAt":${JSON.stringify(heading.generatedAt)},\n"counts":${JSON.stringify({ devices: fleet.devices, ...fleet.counts })},\n"waves":${JSON.stringify(fleet.waves)},\n"devices":[`;
  let separator = '\n';
  for (const row of rows) {
    yield `${separator}${JSON.stringify(row)}`;
    separator = ',\n';
  }
  yield '\n]}\n';
}
