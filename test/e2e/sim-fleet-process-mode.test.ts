import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/start-sandbox.js';
import { eventually } from '../support/eventually.js';
import { uniqueLoopbackHost } from '../support/loopback.js';

/**
 * Firmware that does not follow the in-process convention (the legacy v1 CommonJS
 * sensor, configured through its environment) runs one process per device; its second
 * connection, `<thing>-shadow`, gets in as the fleet policy allows.
 */
const LEGACY = fileURLToPath(new URL('../../fixtures/firmware-repos/legacy-v1-js', import.meta.url));
let work: string;
let sandbox: Sandbox;
const host = uniqueLoopbackHost();
let hubHost = uniqueLoopbackHost();
while (hubHost === host) hubHost = uniqueLoopbackHost();

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'iotmigrate-fleet-legacy-'));
  sandbox = await startSandbox({ stateDir: join(work, 'state'), host, hubHost, things: 2, seed: 4, anomalies: false, fleet: { firmwareDir: LEGACY, entryPoint: 'index.js' } });
}, 60_000);

afterAll(async () => {
  await sandbox?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('process-per-device firmware', () => {
  it('runs the legacy v1 firmware as a process per device, both its connections and the agent admitted', async () => {
    expect(sandbox.fleet!.status()).toMatchObject({ devices: 2, onAws: 2 });
    for (const thing of Object.keys(sandbox.store.estate.things)) {
      await eventually(
        () => ([thing, `${thing}-shadow`, `${thing}-ota`].every((client) => sandbox.awsClients().includes(client)) ? true : undefined),
        `${thing}'s firmware, shadow and agent connections (connected: ${sandbox.awsClients().join(', ')})`,
      );
    }
  }, 30_000);
});
