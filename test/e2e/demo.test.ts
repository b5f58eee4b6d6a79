import { spawnSync } from 'node:child_process';
import { access, chmod, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProgressEventSchema, type ProgressEvent } from '../../src/progress/events.js';
import { uniqueLoopbackHost } from '../support/loopback.js';
import { CLI, cleanEnv, runCli } from '../support/run-cli.js';

/**
 * `iotmigrate demo` as a CI job runs it: NDJSON on stdout, every line a valid event, the
 * whole migration of a small simulated fleet, ending with the summary.
 */
describe('iotmigrate demo', () => {
  it('moves 20 simulated devices from AWS to IoT Hub and writes the report', async () => {
    const work = await mkdtemp(join(tmpdir(), 'iotmigrate-demo-e2e-'));
    const host = uniqueLoopbackHost();
    let hubHost = uniqueLoopbackHost();
    while (hubHost === host) hubHost = uniqueLoopbackHost();
    const stateDir = join(work, 'demo');

    const result = await runCli(['demo', '--devices', '20', '--json', '--state-dir', stateDir, '--host', host, '--hub-host', hubHost]);

    const events = result.stdout.trim().split('\n').map((line) => ProgressEventSchema.parse(JSON.parse(line)) as ProgressEvent);
    const summary = events.at(-1);
    expect(summary, result.stderr).toMatchObject({ type: 'summary', command: 'demo', exitCode: 0, devices: 20, verified: 20, rolledBack: 0, quarantined: 0, failed: 0 });
    expect(result.code).toBe(0);
    expect(events.filter((event) => event.type === 'summary')).toHaveLength(1);

    const stages = events.flatMap((event) => (event.type === 'stage' && event.status === 'started' ? [event.stage] : []));
    expect(stages).toEqual(expect.arrayContaining(['sandbox', 'detect', 'plan', 'identities', 'bundle', 'upload', 'rollout']));
    expect(events.some((event) => event.type === 'wave' && event.status === 'finished')).toBe(true);
    // The fleet's boot is shown as it goes, and only the boot: the rollout reports the rest.
    const booting = events.filter((event) => event.type === 'progress' && event.resource === 'simulated devices');
    expect(booting.at(-1)).toMatchObject({ stage: 'sandbox', done: 20, total: 20 });
    const sandboxFinished = events.findIndex((event) => event.type === 'stage' && event.stage === 'sandbox' && event.status === 'finished');
    expect(events.findLastIndex((event) => event.type === 'progress' && event.resource === 'simulated devices')).toBeLessThan(sandboxFinished);

    const reported = events.find((event) => event.type === 'result' && event.command === 'demo');
    expect(reported).toMatchObject({ path: join(stateDir, 'report.html') });
    expect(await readFile(join(stateDir, 'report.html'), 'utf8')).toContain('<html');
    await access(join(stateDir, 'manifest.json'));
    await access(join(stateDir, 'plan', 'plan.json'));
    // Without --keep the sandbox is gone: no runtime record left behind.
    await expect(access(join(stateDir, 'sandbox', 'sandbox.json'))).rejects.toThrow();
  }, 180_000);

  it('with --keep leaves the sandbox running detached, its fleet on IoT Hub, reachable with sandbox env', async () => {
    const work = await mkdtemp(join(tmpdir(), 'iotmigrate-demo-keep-'));
    const host = uniqueLoopbackHost();
    let hubHost = uniqueLoopbackHost();
    while (hubHost === host) hubHost = uniqueLoopbackHost();
    const sandboxDir = join(work, 'demo', 'sandbox');
    try {
      const result = await runCli(['demo', '--devices', '5', '--keep', '--no-tui', '--state-dir', join(work, 'demo'), '--host', host, '--hub-host', hubHost]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toContain(`eval "$(iotmigrate sandbox env --state-dir ${sandboxDir})"`);
      const env = await runCli(['sandbox', 'env', '--state-dir', sandboxDir]);
      expect(env.stdout).toContain(`AWS_ENDPOINT_URL_IOT='http://${host}:4566'`);
      const status = await runCli(['sandbox', 'status', '--state-dir', sandboxDir]);
      expect(status.stdout).toMatch(/Simulated fleet: 5 devices, 0 on AWS, 5 on Azure/);
      const again = await runCli(['demo', '--devices', '5', '--no-tui', '--state-dir', join(work, 'demo'), '--host', host, '--hub-host', hubHost]);
      expect(again.code).toBe(2);
      expect(again.stderr).toContain(`a sandbox kept by an earlier demo is still running from ${sandboxDir}`);
    } finally {
      await runCli(['sandbox', 'down', '--state-dir', sandboxDir]);
    }
  }, 120_000);

  // Only root can both bind port 443 and become a user who cannot (one who can read this checkout).
  const asNobody = process.getuid?.() === 0 && spawnSync('runuser', ['-u', 'nobody', '--', 'test', '-r', CLI]).status === 0;
  it.runIf(asNobody)('stops with exit 2 and the fix when the hub cannot bind port 443', async () => {
    const work = await mkdtemp(join(tmpdir(), 'iotmigrate-demo-443-'));
    await chmod(work, 0o777);
    const host = uniqueLoopbackHost();
    let hubHost = uniqueLoopbackHost();
    while (hubHost === host) hubHost = uniqueLoopbackHost();
    const args = [CLI, 'demo', '--devices', '2', '--no-tui', '--state-dir', join(work, 'demo'), '--host', host, '--hub-host', hubHost];
    const result = spawnSync('runuser', ['-u', 'nobody', '--', process.execPath, ...args], { env: cleanEnv(), encoding: 'utf8', timeout: 60_000 });
    expect(result.status, result.stderr).toBe(2);
    expect(result.stderr).toContain(`cannot listen on ${hubHost}:443: ports below 1024 need root or CAP_NET_BIND_SERVICE`);
    expect(result.stderr).toContain('setcap cap_net_bind_service=+ep');
  }, 90_000);

  it('refuses a bad device count with exit 2 before starting anything', async () => {
    const result = await runCli(['demo', '--devices', '0']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--devices must be a whole number from 1 to 10000');
  });
});
