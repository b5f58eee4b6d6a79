import { execFileSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RewriteReport } from '../../src/codemods/report/rewrite-report.js';
import { runCli } from '../support/run-cli.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const THERMOSTAT = join(ROOT, 'fixtures/firmware-repos/thermostat-v2');
const LEGACY = join(ROOT, 'fixtures/firmware-repos/legacy-v1-js');

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'iotmigrate-rewrite-cli-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** A throwaway firmware repo: `files` relative path → text. */
async function makeRepo(name: string, files: Record<string, string>): Promise<string> {
  const root = join(scratch, name);
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), text);
  }
  return root;
}

function git(cwd: string, ...args: string[]): void {
  execFileSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.com', ...args], { cwd, stdio: 'ignore' });
}

describe('iotmigrate rewrite', () => {
  it('writes the rewritten copy and its report, prints the folder, and exits 0', async () => {
    const out = join(scratch, 'thermostat-out');
    const result = await runCli(['rewrite', THERMOSTAT, '--out', out]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe(out);
    expect(result.stderr).toContain('Rewrote 7 of 8 files');
    expect(result.stderr).toContain('TODO(iotmigrate) left to decide');
    const report = JSON.parse(await readFile(join(out, 'rewrite-report.json'), 'utf8')) as RewriteReport;
    expect(report.summary.files).toEqual({ rewritten: 7, unchanged: 1, skipped: 0, error: 0 });
    expect(await readFile(join(out, 'src/connection.ts'), 'utf8')).toContain('azureIotDevice.Client.fromAuthenticationProvider(config, azureIotDeviceMqtt.Mqtt)');
    expect(await readFile(join(out, 'tsconfig.json'), 'utf8')).toBe(await readFile(join(THERMOSTAT, 'tsconfig.json'), 'utf8'));

    const again = await runCli(['rewrite', THERMOSTAT, '--out', out]);
    expect(again.code, 'a previous rewrite in --out is replaced').toBe(0);
  });

  it('prints a unified diff with --dry-run and writes nothing', async () => {
    const out = join(scratch, 'never-written');
    const result = await runCli(['rewrite', LEGACY, '--dry-run']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^--- a\/index\.js\n\+\+\+ b\/index\.js\n@@ /);
    expect(result.stdout).toContain("-var awsIot = require('aws-iot-device-sdk');");
    expect(result.stdout).toContain("+var Client = require('azure-iot-device').Client;");
    expect(result.stdout).toContain('--- a/package.json');
    expect(result.stderr).toContain('dry run, nothing written');
    expect(await exists(out)).toBe(false);
    expect(await exists(join(LEGACY, 'rewrite-report.json'))).toBe(false);
    expect(execFileSync('git', ['status', '--porcelain', '--', LEGACY], { cwd: ROOT, encoding: 'utf8' })).toBe('');
  });

  it('writes the report where --report says, and emits NDJSON events with --json', async () => {
    const out = join(scratch, 'legacy-out');
    const reportPath = join(scratch, 'reports', 'legacy.json');
    const result = await runCli(['--json', 'rewrite', LEGACY, '--out', out, '--report', reportPath]);
    expect(result.code, result.stderr).toBe(0);
    const events = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; stage?: string; counts?: Record<string, number> });
    expect(events.some((event) => event.type === 'stage' && event.stage === 'rewrite')).toBe(true);
    const summary = events.find((event) => event.type === 'summary');
    expect(summary?.counts).toMatchObject({ rewritten: 4, errors: 0, todos: 5 });
    expect(await exists(reportPath)).toBe(true);
    expect(await exists(join(out, 'rewrite-report.json'))).toBe(false);
  });

  it.each([
    [['rewrite', '/nonexistent/firmware', '--out', '/tmp/x'], 'Firmware repo /nonexistent/firmware does not exist.'],
    [['rewrite', THERMOSTAT], 'Say where the rewritten firmware goes.'],
    [['rewrite', THERMOSTAT, '--out', '/tmp/x', '--in-place'], 'Choose one of --out DIR, --in-place and --dry-run.'],
    [['rewrite', THERMOSTAT, '--dry-run', '--report', '/tmp/r.json'], '--dry-run writes nothing'],
    [['rewrite', THERMOSTAT, '--out', join(THERMOSTAT, 'rewritten')], 'overlaps the firmware repo'],
  ])('rejects %j with exit 2 and one clear line', async (args, message) => {
    const result = await runCli(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('rejects a repo that is a file, or whose package.json does not parse, with exit 2', async () => {
    const file = join(scratch, 'not-a-repo.js');
    await writeFile(file, '');
    const notDirectory = await runCli(['rewrite', file, '--dry-run']);
    expect(notDirectory.code).toBe(2);
    expect(notDirectory.stderr).toContain('is a file, not a directory');

    const broken = await makeRepo('broken-manifest', { 'package.json': '{ "name": ', 'index.js': "require('aws-iot-device-sdk');\n" });
    const result = await runCli(['rewrite', broken, '--dry-run']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('package.json is not valid JSON');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses an --out folder with other files in it unless --force', async () => {
    const out = await makeRepo('occupied', { 'notes.txt': 'mine\n' });
    const refused = await runCli(['rewrite', LEGACY, '--out', out]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('already holds files that are not an earlier rewrite');
    const forced = await runCli(['rewrite', LEGACY, '--out', out, '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(await readFile(join(out, 'notes.txt'), 'utf8')).toBe('mine\n');
    expect(await exists(join(out, 'lib/shadow.js'))).toBe(true);
  });

  it('rewrites in place only on a clean git tree, unless --force', async () => {
    const repo = join(scratch, 'in-place');
    await cp(LEGACY, repo, { recursive: true });
    const untracked = await runCli(['rewrite', repo, '--in-place']);
    expect(untracked.code).toBe(2);
    expect(untracked.stderr).toContain('is not in a git work tree');

    git(repo, 'init', '-q');
    git(repo, 'add', '.');
    git(repo, 'commit', '-q', '-m', 'firmware');
    await writeFile(join(repo, 'lib/sensors.js'), `${await readFile(join(repo, 'lib/sensors.js'), 'utf8')}// local change\n`);
    const dirty = await runCli(['rewrite', repo, '--in-place']);
    expect(dirty.code).toBe(2);
    expect(dirty.stderr).toContain('has uncommitted changes');

    git(repo, 'checkout', '--', '.');
    const clean = await runCli(['rewrite', repo, '--in-place']);
    expect(clean.code, clean.stderr).toBe(0);
    expect(await readFile(join(repo, 'index.js'), 'utf8')).toContain("require('azure-iot-device')");
    expect(await exists(join(repo, 'rewrite-report.json'))).toBe(true);

    const forced = await runCli(['rewrite', repo, '--in-place', '--force']);
    expect(forced.code, 'a second run over rewritten code is allowed with --force and changes nothing').toBe(0);
    expect(forced.stderr).toContain('Rewrote 0 of');
  });

  it('reports a file it cannot rewrite as an error row and goes on; --fail-on-error makes that exit 1', async () => {
    const repo = await makeRepo('one-bad-file', {
      'package.json': JSON.stringify({ name: 'gadget', dependencies: { mqtt: '^5.0.0' } }, null, 2),
      'src/connection.js': [
        "const mqtt = require('mqtt');",
        "const client = mqtt.connect('mqtts://x-ats.iot.us-east-1.amazonaws.com:8883', { key: 'k', cert: 'c', clientId: 'gadget-1' });",
        "client.publish('telemetry', 'up');",
        'module.exports = client;',
        '',
      ].join('\n'),
      // A publish whose payload is itself a publish: the two rewrites overlap.
      'src/odd.js': "const client = require('./connection');\nclient.publish('a', String(client.publish('b', 'x')));\n",
    });
    const out = join(scratch, 'one-bad-file-out');
    const result = await runCli(['rewrite', repo, '--out', out]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(await readFile(join(out, 'rewrite-report.json'), 'utf8')) as RewriteReport;
    expect(report.files.find((row) => row.path === 'src/odd.js')).toMatchObject({ status: 'error' });
    expect(report.files.find((row) => row.path === 'src/connection.js')).toMatchObject({ status: 'rewritten' });

    const strict = await runCli(['rewrite', repo, '--dry-run', '--fail-on-error']);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain('src/odd.js: overlapping edits');
  });
});
