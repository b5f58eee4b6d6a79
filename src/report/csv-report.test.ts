import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../test/support/parse-csv.js';
import { CSV_COLUMNS, csvField, csvLine, csvReportChunks } from './csv-report.js';
import type { ReportRow } from './report-row.js';

describe('csvField (RFC 4180)', () => {
  it('leaves plain text and numbers as they are, and null empty', () => {
    expect(csvField('thermostat-0001')).toBe('thermostat-0001');
    expect(csvField(3)).toBe('3');
    expect(csvField(null)).toBe('');
    expect(csvField('')).toBe('');
  });

  it('quotes fields with a comma, a quote, CR or LF, doubling the quotes', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('he said "no"')).toBe('"he said ""no"""');
    expect(csvField('line 1\nline 2')).toBe('"line 1\nline 2"');
    expect(csvField('cr\rhere')).toBe('"cr\rhere"');
    expect(csvField('"')).toBe('""""');
  });

  it('ends each record with CRLF', () => {
    expect(csvLine(['a', null, 2, 'x,y'])).toBe('a,,2,"x,y"\r\n');
  });
});

describe('csvReportChunks', () => {
  const row: ReportRow = {
    deviceId: 'dev,1',
    state: 'rolled-back',
    reason: 'IoT Hub refused "dev,1":\nnot authorized',
    wave: { index: 3, name: 'retry-1' },
    attempts: 2,
    firmwareBefore: '1.4.2',
    firmwareAfter: null,
    enrolledAt: '2026-01-01T00:00:00.000Z',
    jobQueuedAt: '2026-01-01T00:05:00.000Z',
    verifiedAt: null,
    rolledBackAt: '2026-01-01T00:09:00.000Z',
    quarantinedAt: null,
    stateChangedAt: '2026-01-01T00:09:00.000Z',
  };

  it('writes the header, then one record per row that a CSV reader splits back into the same fields', () => {
    const text = [...csvReportChunks([row])].join('');
    expect(text.startsWith(`${CSV_COLUMNS.join(',')}\r\n`)).toBe(true);
    const records = parseCsv(text);
    expect(records).toHaveLength(2);
    expect(records[1]).toEqual([
      'dev,1',
      'rolled-back',
      'IoT Hub refused "dev,1":\nnot authorized',
      '3',
      'retry-1',
      '2',
      '1.4.2',
      '',
      '2026-01-01T00:00:00.000Z',
      '2026-01-01T00:05:00.000Z',
      '',
      '2026-01-01T00:09:00.000Z',
      '',
      '2026-01-01T00:09:00.000Z',
    ]);
  });

  it('writes only the header for an empty fleet', () => {
    expect([...csvReportChunks([])]).toEqual([`${CSV_COLUMNS.join(',')}\r\n`]);
  });
});

