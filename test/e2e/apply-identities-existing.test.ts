import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/manifest/schema.js';
import { fleetManifest, planFleet, thumbprintOfPem } from '../support/apply-fleet.js';
import { startTestHub, type TestHub } from '../support/azure-hub-fixture.js';
import { cleanEnv, runCli } from '../support/run-cli.js';

/**
 * apply --stage identities on a hub that already holds some of the devices, one device
 * the hub refuses (tags over 8 KB), and credentials or trust that are wrong. The devices
 * put there beforehand are written with the real azure-iothub, as another tool would.
 */
let t: TestHub;
let dir: string;
let manifest: Manifest;
let planDir: string;
let env: NodeJS.ProcessEnv;

const THINGS = 40;
const OVERSIZED = 'gateway-00039';

beforeAll(async () => {
  t = await startTestHub();
  dir = await mkdtemp(join(tmpdir(), 'iotmigrate-apply-existing-'));
  await writeFile(join(dir, 'root-ca.pem'), t.rootCa.certificatePem);
  manifest = fleetManifest({ things: THINGS, fromCa: 3, withoutCertificate: 2, oversizedTags: 1 });
  planDir = await planFleet(dir, manifest);
  env = cleanEnv({ IOTHUB_CONNECTION_STRING: t.hub.connectionString, NODE_EXTRA_CA_CERTS: join(dir, 'root-ca.pem') });
}, 60_000);

afterAll(async () => {
  await t?.close();
  await rm(dir, { recursive: true, force: true });
});

const apply = (stateDir: string, extra: string[] = [], runEnv = env) =>
  runCli(['apply', '--plan', planDir, '--stage', 'identities', '--state-dir', join(dir, stateDir), '--yes', ...extra], { env: runEnv });
const countsOf = (stdout: string) => (JSON.parse(stdout.trim().split('\n').at(-1)!) as { counts: Record<string, number> }).counts;
const thumbprintOf = (deviceId: string) => {
  const thing = manifest.things.find((candidate) => candidate.clientId === deviceId)!;
  return thumbprintOfPem(manifest.certificates.find((certificate) => certificate.certificateId === thing.certificateIds[0])!.certificatePem);
};

describe('apply --stage identities with devices already on the hub', () => {
  it('brings them in line, lists the device the hub refuses with its reason, and exits 4', async () => {
    const owner = t.hub.connectionString;
    await t.sdk.call(owner, 'create', {
      deviceId: 'gateway-00006',
      authentication: { x509Thumbprint: { primaryThumbprint: 'F'.repeat(64), secondaryThumbprint: 'F'.repeat(64) } },
    });
    await t.sdk.call(owner, 'create', {
      deviceId: 'thermostat-00007',
      status: 'disabled',
      authentication: { x509Thumbprint: { primaryThumbprint: thumbprintOf('thermostat-00007'), secondaryThumbprint: thumbprintOf('thermostat-00007') } },
    });
    const twin = await t.sdk.call<{ etag: string }>(owner, 'getTwin', 'thermostat-00007');
    await t.sdk.call(owner, 'updateTwin', 'thermostat-00007', { tags: { attributes: { site: 'nowhere', retired: 'yes' }, owner: 'ops' } }, twin.etag);

    const result = await apply('state', ['--json']);
    expect(result.code, result.stderr).toBe(4);
    expect(countsOf(result.stdout)).toMatchObject({
      'identities.created': THINGS - 3,
      'identities.updated': 2,
      'identities.failed': 1,
      'devices.identity-created': THINGS - 1,
      'devices.pending': 1,
    });
    const lines = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string; lines?: string[] });
    expect(lines.find((event) => event.type === 'result')!.lines).toContain(`    ${OVERSIZED}: ArgumentInvalid: tags would be 10401 bytes; IoT Hub allows 8192`);

    expect(t.hub.getDevice('gateway-00006')).toMatchObject({
      authentication: { type: 'selfSigned', x509Thumbprint: { primaryThumbprint: thumbprintOf('gateway-00006'), secondaryThumbprint: thumbprintOf('gateway-00006') } },
    });
    expect(t.hub.getDevice('thermostat-00007')).toMatchObject({ status: 'enabled' });
    const tags = (t.hub.getTwin('thermostat-00007') as { tags: Record<string, unknown> }).tags;
    expect(tags).toMatchObject({ attributes: { site: 'lisbon', serial: 'SN7' }, owner: 'ops', aws: { thingName: 'thermostat-00007' } });
    expect(tags.attributes).not.toHaveProperty('retired');
    expect(t.hub.getDevice(OVERSIZED)).toBeUndefined();
  });

  it('on a re-run tries only the refused device again, in plain text on stderr', async () => {
    const result = await apply('state');
    expect(result.code).toBe(4);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('this run: 0 created, 0 updated, 0 unchanged, 1 failed');
    expect(result.stderr).toContain(`${THINGS - 1} done by earlier runs`);
    expect(result.stderr).toContain(`1 device has no identity yet; fix what is said below and run apply again:\n    ${OVERSIZED}: ArgumentInvalid`);
  });

  it('with a new state store, finds every device on the hub as it should be and creates none', async () => {
    const before = t.hub.listDeviceIds();
    const result = await apply('fresh-state', ['--json']);
    expect(result.code).toBe(4);
    expect(countsOf(result.stdout)).toMatchObject({ 'identities.created': 0, 'identities.updated': 0, 'identities.unchanged': THINGS - 1, 'identities.failed': 1 });
    expect(t.hub.listDeviceIds()).toEqual(before);
  });

  it('stops with exit 3 and what to check when the key is wrong or the hub is not trusted', async () => {
    const wrongKey = t.hub.connectionString.replace(/SharedAccessKey=[^;]+/, `SharedAccessKey=${Buffer.alloc(32, 7).toString('base64')}`);
    const unauthorized = await apply('wrong-key', [], { ...env, IOTHUB_CONNECTION_STRING: wrongKey });
    expect(unauthorized.code).toBe(3);
    expect(unauthorized.stderr).toContain(`iotmigrate: bulk create on IoT Hub ${t.host} failed: 401`);
    expect(unauthorized.stderr).toContain('its policy needs RegistryWrite and ServiceConnect');

    const untrusted = await apply('untrusted', [], cleanEnv({ IOTHUB_CONNECTION_STRING: t.hub.connectionString }));
    expect(untrusted.code).toBe(3);
    expect(untrusted.stderr).toContain(`iotmigrate: cannot trust IoT Hub ${t.host}'s TLS certificate`);
    expect(untrusted.stderr).toContain('NODE_EXTRA_CA_CERTS');
  });
});
