import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceStories, playDeviceStories } from '../../src/report/device-stories.fixture.js';
import type { DeviceEvent } from '../../src/state/device-state.js';
import { StateStore } from '../../src/state/state-store.js';
import { parseCsv } from '../support/parse-csv.js';
import { runCli, startCli } from '../support/run-cli.js';

/**
 * `iotmigrate status` and `report` as users run them: the built CLI in a child process,
 * in a directory holding a real plan (plan/) and a state store (.iotmigrate/state.db)
 * filled through StateStore with every outcome a rollout can have, retry wave included.
 */
const MANIFEST = fileURLToPath(new URL('../fixtures/plan/seeded-manifest.json', import.meta.url));
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const HOSTILE_REASON = 'IoT Hub refused "x", then <script>alert(1)</script>\nand gave up';

let dir: string;
let planned: Array<{ index: number; name: string; deviceIds: string[] }>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iotmigrate-status-report-'));
  const plan = await runCli(['plan', '--manifest', MANIFEST], { cwd: dir });
  expect(plan.code).toBe(0);
  planned = JSON.parse(await readFile(join(dir, 'plan', 'plan.json'), 'utf8')).waves.list;
  expect(planned.map((wave) => wave.deviceIds.length)).toEqual([5, 10, 7]);
  const retry1 = planned.length + 1;
  const [canary, wave2, wave3] = planned.map((wave) => wave.deviceIds) as [string[], string[], string[]];
  const stories = new Map<string, DeviceEvent[]>([
    ...canary.slice(0, 4).map((id) => [id, deviceStories.verified(1)] as const),
    [canary[4]!, deviceStories.verifiedOnRetry(1, retry1)],
    ...wave2.slice(0, 6).map((id) => [id, deviceStories.verified(2)] as const),
    [wave2[6]!, deviceStories.rolledBack(2, HOSTILE_REASON)],
    [wave2[7]!, deviceStories.quarantined(2, retry1, 'bundle signature invalid')],
    ...wave2.slice(8).map((id) => [id, deviceStories.downloading(2)] as const),
    ...wave3.slice(0, 5).map((id) => [id, deviceStories.identityCreated()] as const),
    [wave3[5]!, deviceStories.identityFailed('hub throttled the bulk import')],
    [wave3[6]!, []],
  ]);
  const store = StateStore.open(join(dir, '.iotmigrate'));
  playDeviceStories(store, stories);
  store.close();
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const EXPECTED_COUNTS = { pending: 2, 'identity-created': 5, downloading: 2, verified: 11, 'rolled-back': 1, quarantined: 1 };

describe('iotmigrate status', () => {
  it('prints counts per state and per wave, with the plan names and retry-1 after them', async () => {
    const result = await runCli(['status'], { cwd: dir });
    expect(result.stderr).toBe('');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('apply: not running');
    expect(result.stdout).toContain('Devices: 22 — pending 2 · identity-created 5 · downloading 2 · verified 11 · rolled-back 1 · quarantined 1');
    expect(result.stdout).toMatch(/ 1 canary\s+4 of 5 planned — verified 4\n/);
    expect(result.stdout).toMatch(/ 2 wave-2\s+9 of 10 planned — downloading 2 · verified 6 · rolled-back 1\n/);
    expect(result.stdout).toMatch(/ 3 wave-3\s+0 of 7 planned\n/);
    expect(result.stdout).toMatch(/ 4 retry-1\s+2 — verified 1 · quarantined 1\n/);
  });

  it('prints one JSON object with --json', async () => {
    const result = await runCli(['status', '--json'], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    const status = JSON.parse(result.stdout);
    expect(status).toMatchObject({ devices: 22, counts: EXPECTED_COUNTS, apply: { running: false, pid: null }, planDir: 'plan' });
    expect(status.waves.map((wave: { name: string; devices: number }) => [wave.name, wave.devices])).toEqual([
      ['canary', 4],
      ['wave-2', 9],
      ['wave-3', 0],
      ['retry-1', 2],
    ]);
  });

  it('answers from the last commit while another process holds a write transaction open, which then commits', async () => {
    const statePath = join(dir, '.iotmigrate', 'state.db');
    const holder = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import Database from 'better-sqlite3';
         const db = new Database(${JSON.stringify(statePath)});
         db.pragma('busy_timeout = 5000');
         db.exec("BEGIN IMMEDIATE; UPDATE devices SET state = 'installed' WHERE state = 'downloading'");
         console.log('holding');
         setTimeout(() => { db.exec('COMMIT'); db.close(); console.log('committed'); }, 3000);`,
      ],
      { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let holderOutput = '';
    holder.stdout!.on('data', (chunk: Buffer) => (holderOutput += chunk.toString()));
    while (!holderOutput.includes('holding')) await once(holder.stdout!, 'data');

    const during = await runCli(['status', '--json'], { cwd: dir });
    const committedBeforeStatusEnded = holderOutput.includes('committed');
    const [code] = await once(holder, 'exit');
    const after = await runCli(['status', '--json'], { cwd: dir });
    // Put the store back as the other tests expect it.
    const raw = new Database(statePath);
    raw.exec("UPDATE devices SET state = 'downloading' WHERE state = 'installed'");
    raw.close();

    expect(during.code, during.stderr).toBe(0);
    expect(committedBeforeStatusEnded).toBe(false);
    expect(JSON.parse(during.stdout).counts).toMatchObject({ downloading: 2, installed: 0 });
    expect(code).toBe(0);
    expect(JSON.parse(after.stdout).counts).toMatchObject({ downloading: 0, installed: 2 });
  });

  it('says to run apply first, or to pass --state-dir, when there is no state database (exit 2)', async () => {
    const result = await runCli(['status', '--state-dir', 'elsewhere'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('no state database at elsewhere/state.db');
    expect(result.stderr).toContain('run `iotmigrate apply` first, or pass --state-dir');
    expect(await readdir(dir)).not.toContain('elsewhere');
  });
});

describe('iotmigrate report', () => {
  it('--format json: {devices, counts} on stdout, one entry per device', async () => {
    const result = await runCli(['report', '--format', 'json'], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.counts).toMatchObject({ devices: 22, ...EXPECTED_COUNTS });
    expect(report.devices).toHaveLength(22);
    const ids = report.devices.map((device: { deviceId: string }) => device.deviceId);
    expect(ids).toEqual([...ids].sort());
    const [canary, wave2] = planned.map((wave) => wave.deviceIds) as [string[], string[]];
    const byId = new Map(report.devices.map((device: { deviceId: string }) => [device.deviceId, device]));
    expect(byId.get(canary[4]!)).toMatchObject({ state: 'verified', wave: { index: 4, name: 'retry-1' }, attempts: 2, firmwareBefore: '1.4.2', firmwareAfter: '2.0.0-azure' });
    expect(byId.get(wave2[6]!)).toMatchObject({ state: 'rolled-back', reason: HOSTILE_REASON, wave: { index: 2, name: 'wave-2' } });
    expect(byId.get(wave2[7]!)).toMatchObject({ state: 'quarantined', reason: 'out of retry waves: bundle signature invalid', attempts: 2 });
    for (const device of report.devices) {
      expect(device.enrolledAt).toMatch(/^\d{4}-\d\d-\d\dT/);
      if (device.state === 'verified') expect(device.verifiedAt).not.toBeNull();
    }
  });

  it('--format csv: a header and one RFC 4180 record per device, the multi-line reason intact', async () => {
    const result = await runCli(['report', '--format', 'csv'], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    const [header, ...records] = parseCsv(result.stdout);
    expect(header![0]).toBe('deviceId');
    expect(records).toHaveLength(22);
    expect(records.map((record) => record[2])).toContain(HOSTILE_REASON);
  });

  it('--format html: report.html in the working directory, its path on stdout, everything escaped', async () => {
    const result = await runCli(['report', '--format', 'html'], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('report.html\n');
    const html = await readFile(join(dir, 'report.html'), 'utf8');
    expect(html).not.toMatch(/<script|<link|src=|href=/i);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    for (const wave of planned) for (const id of wave.deviceIds) expect(html).toContain(`<td>${id}</td>`);
    expect(html.indexOf('Not verified (11)')).toBeLessThan(html.indexOf('Verified (11)'));
    expect(html).toContain('retry-1');
  });

  it('--json --out: the report in the file, events on stdout ending with the summary', async () => {
    const result = await runCli(['report', '--format', 'json', '--out', 'out/report.json', '--json'], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    const events = result.stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(events.find((event) => event.type === 'result')).toMatchObject({ command: 'report', path: 'out/report.json' });
    expect(events.at(-1)).toMatchObject({ type: 'summary', command: 'report', exitCode: 0, devices: 22, verified: 11, rolledBack: 1, quarantined: 1 });
    expect(JSON.parse(await readFile(join(dir, 'out', 'report.json'), 'utf8')).devices).toHaveLength(22);
  });

  it('stops quietly when the reader closes the pipe early, as `| head` does', async () => {
    const child = startCli(['report', '--format', 'csv'], { cwd: dir });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await once(child.stdout!, 'data');
    child.stdout!.destroy();
    const [code] = await once(child, 'close');
    expect(stderr).not.toContain('unexpected error');
    expect(code).toBe(0);
  });

  it('refuses stdout for the report when --json puts events there (exit 2)', async () => {
    const result = await runCli(['report', '--format', 'csv', '--json'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('pass --out report.csv');
  });
});
