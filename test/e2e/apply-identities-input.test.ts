import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fleetManifest, planFleet } from '../support/apply-fleet.js';
import { cleanEnv, runCli } from '../support/run-cli.js';

/**
 * apply's bad input: each ends with exit 2 and one line saying what is wrong and how to
 * fix it, before anything is written to a hub (none is reachable here).
 */
let dir: string;
let planDir: string;
// A hub nobody listens on: a run that got as far as calling it would fail with exit 3, not 2.
const CONNECTION = `HostName=127.0.0.1;SharedAccessKeyName=iothubowner;SharedAccessKey=${Buffer.alloc(32, 1).toString('base64')}`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iotmigrate-apply-input-'));
  planDir = await planFleet(dir, fleetManifest({ things: 5 }));
}, 60_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const apply = (args: string[], env = cleanEnv({ IOTHUB_CONNECTION_STRING: CONNECTION })) =>
  runCli(['apply', '--state-dir', join(dir, 'state'), ...args], { env, cwd: dir });

describe('apply with bad input', () => {
  it('names a missing plan directory', async () => {
    const result = await apply(['--plan', join(dir, 'no-plan'), '--yes']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `iotmigrate: cannot read ${join(dir, 'no-plan', 'plan.json')}: ENOENT\n  → run \`iotmigrate plan\` to write ${join(dir, 'no-plan')}, or pass --plan <dir>\n`,
    );
  });

  it('names IOTHUB_CONNECTION_STRING when there is no connection string, and says what is wrong with a bad one', async () => {
    const missing = await apply(['--plan', planDir, '--yes'], cleanEnv());
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('iotmigrate: no IoT Hub connection string: set IOTHUB_CONNECTION_STRING (or --hub-connection-string)');

    const device = await apply(['--plan', planDir, '--yes', '--hub-connection-string', 'HostName=h;DeviceId=d1;SharedAccessKey=k']);
    expect(device.code).toBe(2);
    expect(device.stderr).toContain('is not usable: it has no SharedAccessKeyName (this is a device connection string');
  });

  it('asks for --yes when there is no terminal to confirm on', async () => {
    const result = await apply(['--plan', planDir]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('iotmigrate: apply would write to the cloud and there is no terminal to confirm on: pass --yes (or set IOTMIGRATE_APPLY_YES=1)');
    expect(result.stderr).toContain('it would write: identities: 5 of 5 devices to create');
  });

  it('takes --yes from IOTMIGRATE_APPLY_YES, and then fails only at the unreachable hub (exit 3)', async () => {
    const result = await apply(['--plan', planDir], cleanEnv({ IOTHUB_CONNECTION_STRING: CONNECTION, IOTMIGRATE_APPLY_YES: '1' }));
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('iotmigrate: cannot reach IoT Hub 127.0.0.1 on port 443 (ECONNREFUSED)');
  });

  it('refuses a stage that does not exist, and a connection string for another Azure hub than the plan\'s', async () => {
    const stage = await apply(['--plan', planDir, '--yes', '--stage', 'verify']);
    expect(stage.code).toBe(2);
    expect(stage.stderr).toContain("argument 'verify' is invalid. Allowed choices are identities, bundle, upload, rollout.");

    const otherHub = CONNECTION.replace('HostName=127.0.0.1', 'HostName=iot-someone-else.azure-devices.net');
    const hub = await apply(['--plan', planDir, '--yes', '--hub-connection-string', otherHub]);
    expect(hub.code).toBe(2);
    expect(hub.stderr).toMatch(/iotmigrate: the plan is for IoT Hub \S+, but the connection string is for iot-someone-else\.azure-devices\.net/);
    expect(await readdir(dir)).not.toContain('.iotmigrate');
  });
});
