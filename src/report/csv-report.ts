import type { ReportRow } from './report-row.js';

/** The CSV columns, in order; the header row spells them as here. */
export const CSV_COLUMNS = [
  'deviceId',
  'state',
  'reason',
  'waveIndex',
  'waveName',
  'attempts',
  'firmwareBefore',
  'firmwareAfter',
  'enrolledAt',
  'jobQueuedAt',
  'verifiedAt',
  'rolledBackAt',
  'quarantinedAt',
  'stateChangedAt',
] as const;

/**
 * RFC 4180: a field holding a comma, a double quote, CR or LF is enclosed in double
 * quotes, with each double quote doubled. Null is an empty field.
 */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One record, ended by CRLF as RFC 4180 has it. */
export function csvLine(values: ReadonlyArray<string | number | null>): string {
  return `${values.map(csvField).join(',')}\r\n`;
}

export function csvValuesOf(row: ReportRow): Array<string | number | null> {
  return [
    row.deviceId,
    row.state,
    row.reason,
    row.wave?.index ?? null,
    row.wave?.name ?? null,
    row.attempts,
    row.firmwareBefore,
    row.firmwareAfter,
    row.enrolledAt,
    row.jobQueuedAt,
    row.verifiedAt,
    row.rolledBackAt,
    row.quarantinedAt,
    row.stateChangedAt,
  ];
}

/** The header, then one line per row, as it is pulled: nothing is held beyond the current row. */
export function* csvReportChunks(rows: Iterable<ReportRow>): Generator<string> {
  yield csvLine(CSV_COLUMNS);
  for (const row of rows) yield csvLine(csvValuesOf(row));
}
