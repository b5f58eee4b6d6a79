import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { uniqueLoopbackHost } from '../support/loopback.js';
import { runCli } from '../support/run-cli.js';

/**
 * `sandbox up` starts the simulated fleet by default (from dist, in a child process),
 * `sandbox status` shows where the devices are, `sandbox down` takes the fleet with it.
 */
let work: string;
let stateDir: string;
const host = uniqueLoopbackHost();
let hubHost = uniqueLoopbackHost();
while (hubHost === host) hubHost = uniqueLoopbackHost();

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'iotmigrate-fleet-cli-'));
  stateDir = join(work, 'state');
  const up = await runCli(['sandbox', 'up', '--things', '3', '--no-anomalies', '--detach', '--state-dir', stateDir, '--host', host, '--hub-host', hubHost]);
  expect(up.code, up.stderr).toBe(0);
}, 120_000);

afterAll(async () => {
  await runCli(['sandbox', 'down', '--state-dir', stateDir]);
  if (work) await rm(work, { recursive: true, force: true });
});

describe('sandbox up with its fleet', () => {
  it('runs one device per seeded thing on AWS and shows them in status, then stops them with down', async () => {
    const status = await runCli(['sandbox', 'status', '--state-dir', stateDir]);
    expect(status.stdout).toContain('Simulated fleet: 3 devices, 3 on AWS, 0 on Azure, 0 updating; firmware');
    const json = JSON.parse((await runCli(['sandbox', 'status', '--state-dir', stateDir, '--json'])).stdout) as { fleet: { pid: number; onAws: number } };
    expect(json.fleet).toMatchObject({ devices: 3, onAws: 3 });

    const down = await runCli(['sandbox', 'down', '--state-dir', stateDir]);
    expect(down.code).toBe(0);
    await eventually(() => {
      try {
        process.kill(json.fleet.pid, 0);
        return undefined;
      } catch {
        return true;
      }
    }, 'the fleet process to exit', 20_000);
    expect((await runCli(['sandbox', 'status', '--state-dir', stateDir])).stdout).toMatch(/^stopped/);
  }, 60_000);
});
