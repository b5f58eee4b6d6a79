import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { NO_FAULTS } from '../../src/sandbox/faults.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/start-sandbox.js';
import { forkFleet, type FleetProcess } from '../../src/sim-devices/fork-fleet.js';
import { simulatableDevices } from '../../src/sim-devices/fleet-devices.js';
import { eventually } from '../support/eventually.js';
import { uniqueLoopbackHost } from '../support/loopback.js';

/**
 * The device-offline fault, with the fleet started directly (forkFleet) on a sandbox
 * without one: a device drops both its connections, and comes back on its own.
 */
let work: string;
let sandbox: Sandbox;
let fleet: FleetProcess;
const host = uniqueLoopbackHost();
let hubHost = uniqueLoopbackHost();
while (hubHost === host) hubHost = uniqueLoopbackHost();

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'iotmigrate-fleet-offline-'));
  sandbox = await startSandbox({ stateDir: join(work, 'state'), host, hubHost, things: 1, seed: 2, anomalies: false });
  fleet = await forkFleet({
    stateDir: sandbox.stateDir,
    devices: simulatableDevices(sandbox.store, sandbox.stateDir),
    aws: { endpoint: host, port: sandbox.endpoints.mqttPort },
    caFile: sandbox.cas.rootCaFile,
    signingKeyFile: sandbox.firmwareSigningKeyFile,
    faults: { ...NO_FAULTS, 'device-offline': 1 },
    seed: 2,
    offlineCheckIntervalMs: 500,
  });
}, 60_000);

afterAll(async () => {
  await fleet?.stop();
  await sandbox?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('device-offline', () => {
  it('takes a device off the network and brings it back 5–30 s later', async () => {
    const thing = Object.keys(sandbox.store.estate.things)[0]!;
    const online = () => [thing, `${thing}-ota`].every((client) => sandbox.awsClients().includes(client));
    const offline = () => ![thing, `${thing}-ota`].some((client) => sandbox.awsClients().includes(client));
    await eventually(() => (offline() ? true : undefined), 'the device to drop off', 10_000);
    const droppedAt = Date.now();
    await eventually(() => (online() ? true : undefined), 'the device to come back', 40_000);
    const away = Date.now() - droppedAt;
    if (away < 4_000 || away > 32_000) throw new Error(`offline for ${away} ms, outside 5–30 s`);
  }, 60_000);
});
