import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StateStore } from '../state/state-store.js';
import { CSV_COLUMNS } from './csv-report.js';
import { deviceStories, playDeviceStories } from './device-stories.fixture.js';
import { runReport, type ReportFormat } from './run-report.js';

let dir: string;
const now = () => new Date('2026-01-01T12:00:00.000Z');

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'iotmigrate-report-'));
  const store = StateStore.open(dir);
  playDeviceStories(
    store,
    new Map([
      ['d-verified', deviceStories.verified(1)],
      ['a-rolled-back', deviceStories.rolledBack(2, 'IoT Hub refused the connection')],
      ['c-quarantined', deviceStories.quarantined(1, 3, 'bundle signature invalid')],
      ['b-pending', deviceStories.identityFailed('hub throttled')],
    ]),
  );
  store.close();
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function toStdout(format: ReportFormat): Promise<string> {
  const stdout = new PassThrough();
  let text = '';
  stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const outcome = await runReport({ stateDir: dir, planDir: join(dir, 'no-plan'), planRequired: false, format, out: undefined, stdout, now });
  expect(outcome.path).toBeUndefined();
  return text;
}

describe('runReport', () => {
  it('json: every device by ID, with counts that add up to the rows', async () => {
    const report = JSON.parse(await toStdout('json'));
    expect(report.generatedAt).toBe('2026-01-01T12:00:00.000Z');
    expect(report.devices.map((device: { deviceId: string }) => device.deviceId)).toEqual(['a-rolled-back', 'b-pending', 'c-quarantined', 'd-verified']);
    expect(report.counts).toMatchObject({ devices: 4, verified: 1, 'rolled-back': 1, quarantined: 1, pending: 1 });
    expect(report.devices[2]).toMatchObject({
      state: 'quarantined',
      reason: 'out of retry waves: bundle signature invalid',
      wave: { index: 3, name: 'wave-3' },
      attempts: 2,
      firmwareBefore: '1.4.2',
    });
    expect(report.waves.map((wave: { index: number }) => wave.index)).toEqual([1, 2, 3]);
  });

  it('csv: a header and one record per device', async () => {
    const lines = (await toStdout('csv')).split('\r\n');
    expect(lines[0]).toBe(CSV_COLUMNS.join(','));
    expect(lines.slice(1, -1).map((line) => line.split(',')[0])).toEqual(['a-rolled-back', 'b-pending', 'c-quarantined', 'd-verified']);
    expect(lines.at(-1)).toBe('');
  });

  it('html: written atomically to the file, devices not verified first', async () => {
    const out = join(dir, 'reports', 'report.html');
    const outcome = await runReport({ stateDir: dir, planDir: join(dir, 'no-plan'), planRequired: false, format: 'html', out, stdout: new PassThrough(), now });
    expect(outcome).toMatchObject({ path: out, fleet: { devices: 4 } });
    const html = readFileSync(out, 'utf8');
    const order = ['a-rolled-back', 'b-pending', 'c-quarantined', 'd-verified'].map((id) => html.indexOf(`<td>${id}</td>`));
    expect(order.every((position) => position > 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(html.indexOf('Not verified (3)')).toBeLessThan(html.indexOf('Verified (1)'));
    expect(readdirSync(join(dir, 'reports'))).toEqual(['report.html']);
  });
});
