import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/manifest/schema.js';
import { fleetManifest, planFleet, thumbprintOfPem } from '../support/apply-fleet.js';
import { startTestHub, type TestHub } from '../support/azure-hub-fixture.js';
import { cleanEnv, runCli, startCli } from '../support/run-cli.js';

/**
 * `iotmigrate apply --stage identities` as users run it (the built CLI, with the real
 * azure-iothub inside) on 1,000 devices, against a sandbox hub that throttles: killed
 * with SIGKILL after some batches, then run again to the end.
 */
const DEVICES = 1_000;
/** Requests a second per operation family: slow enough to kill the run between batches, fast enough for a test. */
const API_RATE = 20;

let t: TestHub;
let dir: string;
let manifest: Manifest;
let planDir: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  t = await startTestHub({ apiRate: API_RATE });
  dir = await mkdtemp(join(tmpdir(), 'iotmigrate-apply-identities-'));
  await writeFile(join(dir, 'root-ca.pem'), t.rootCa.certificatePem);
  manifest = fleetManifest({ things: DEVICES, fromCa: 20, withoutCertificate: 5 });
  planDir = await planFleet(dir, manifest);
  env = cleanEnv({ IOTHUB_CONNECTION_STRING: t.hub.connectionString, NODE_EXTRA_CA_CERTS: join(dir, 'root-ca.pem') });
}, 60_000);

afterAll(async () => {
  await t?.close();
  await rm(dir, { recursive: true, force: true });
});

interface Event {
  type: string;
  done?: number;
  counts?: Record<string, number>;
  exitCode?: number;
}

describe('apply --stage identities on 1,000 devices', () => {
  it('survives a kill -9 mid-way: the re-run ends with exactly 1,000 identities, right thumbprints and tagged twins', async () => {
    const stateDir = join(dir, 'state');
    const args = ['apply', '--plan', planDir, '--stage', 'identities', '--state-dir', stateDir, '--yes', '--json', '--concurrency', '1'];

    const first = startCli(args, { env });
    let firstOutput = '';
    first.stderr!.on('data', (chunk: Buffer) => (firstOutput += chunk.toString()));
    const killedAt = await new Promise<number>((resolve, reject) => {
      const lines = createInterface({ input: first.stdout! });
      lines.on('line', (line) => {
        firstOutput += line;
        const event = JSON.parse(line) as Event;
        if (event.type === 'progress' && (event.done ?? 0) >= 300) {
          first.kill('SIGKILL');
          resolve(event.done!);
        }
      });
      first.on('exit', (code, signal) => (signal === 'SIGKILL' ? undefined : reject(new Error(`apply ended (${code}) before it was killed:\n${firstOutput}`))));
    });
    await new Promise((resolve) => first.once('close', resolve));
    const onHubAfterKill = t.hub.listDeviceIds().length;
    expect(killedAt).toBeGreaterThanOrEqual(300);
    expect(onHubAfterKill).toBeGreaterThanOrEqual(300);
    expect(onHubAfterKill).toBeLessThan(DEVICES);
    const recordedBeforeKill = countIdentityCreated(stateDir);

    const second = await runCli(args, { env });
    expect(second.code, second.stderr).toBe(0);
    const events = second.stdout.trim().split('\n').map((line) => JSON.parse(line) as Event);
    const summary = events.find((event) => event.type === 'summary')!;
    expect(summary).toMatchObject({ exitCode: 0 });
    const counts = summary.counts!;
    expect(counts['identities.alreadyDone']).toBe(recordedBeforeKill);
    expect(counts['identities.failed']).toBe(0);
    // Batches the kill caught between the hub's answer and the commit are found on the hub, not created again.
    expect(counts['identities.created']! + counts['identities.unchanged']!).toBe(DEVICES - recordedBeforeKill);
    expect(counts['identities.created']).toBe(DEVICES - onHubAfterKill);
    expect(counts['devices.identity-created']).toBe(DEVICES);

    const expectedIds = manifest.things.map((thing) => thing.clientId).sort();
    expect(t.hub.listDeviceIds()).toEqual(expectedIds);
    expect(countIdentityCreated(stateDir)).toBe(DEVICES);

    const certificates = new Map(manifest.certificates.map((certificate) => [certificate.certificateId, certificate]));
    const sasKeys = new Map(
      (await readFile(join(stateDir, 'sas-keys.ndjson'), 'utf8'))
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { deviceId: string; primaryKey: string; secondaryKey: string })
        .map((entry) => [entry.deviceId, entry]),
    );
    expect((await stat(join(stateDir, 'sas-keys.ndjson'))).mode & 0o777).toBe(0o600);
    const kinds = { selfSigned: 0, certificateAuthority: 0, sas: 0 };
    for (const thing of manifest.things) {
      const device = t.hub.getDevice(thing.clientId) as {
        status: string;
        authentication: { type: keyof typeof kinds; x509Thumbprint: { primaryThumbprint: string; secondaryThumbprint: string }; symmetricKey: { primaryKey: string } };
      };
      expect(device.status).toBe('enabled');
      kinds[device.authentication.type] += 1;
      const certificate = certificates.get(thing.certificateIds[0] ?? '');
      if (device.authentication.type === 'selfSigned') {
        const thumbprint = thumbprintOfPem(certificate!.certificatePem);
        expect(device.authentication.x509Thumbprint).toEqual({ primaryThumbprint: thumbprint, secondaryThumbprint: thumbprint });
      } else if (device.authentication.type === 'sas') {
        expect(device.authentication.symmetricKey.primaryKey).toBe(sasKeys.get(thing.clientId)!.primaryKey);
        expect(firstOutput + second.stdout + second.stderr).not.toContain(sasKeys.get(thing.clientId)!.primaryKey);
      }
      const twin = t.hub.getTwin(thing.clientId) as { tags: Record<string, Record<string, unknown>>; properties: { desired: Record<string, unknown> } };
      expect(twin.tags.aws!.thingName).toBe(thing.thingName);
      expect(twin.tags.attributes).toEqual(thing.attributes);
      expect(Object.keys(twin.tags.groups!)).toEqual(thing.groups);
      expect(twin.properties.desired.setpoint).toBe(thing.shadows[0]!.desired!.setpoint);
    }
    expect(kinds).toEqual({ selfSigned: DEVICES - 25, certificateAuthority: 20, sas: 5 });

    const third = await runCli(args, { env });
    expect(third.code).toBe(0);
    expect(JSON.parse(third.stdout.trim().split('\n').at(-1)!).counts).toMatchObject({ 'identities.alreadyDone': DEVICES, 'identities.created': 0 });
    expect(t.hub.listDeviceIds()).toHaveLength(DEVICES);
  });
});

describe('apply --stage identities against a hub that answers 429', () => {
  it('backs off and completes, every device created once', async () => {
    // Two requests a second, with a burst of two: ten bulk requests cannot pass without 429s.
    const throttling = await startTestHub({ apiRate: 2 });
    try {
      await writeFile(join(dir, 'throttling-ca.pem'), throttling.rootCa.certificatePem);
      const result = await runCli(['apply', '--plan', planDir, '--stage', 'identities', '--state-dir', join(dir, 'state-throttled'), '--yes', '--json'], {
        env: cleanEnv({ IOTHUB_CONNECTION_STRING: throttling.hub.connectionString, NODE_EXTRA_CA_CERTS: join(dir, 'throttling-ca.pem') }),
      });
      expect(result.code, result.stderr).toBe(0);
      const events = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as Event);
      const counts = events.at(-1)!.counts!;
      expect(counts).toMatchObject({ 'identities.created': DEVICES, 'identities.failed': 0 });
      expect(counts['identities.throttled']).toBeGreaterThan(0);
      expect(events.filter((event) => event.type === 'throttled')).toHaveLength(counts['identities.throttled']!);
      expect(throttling.hub.listDeviceIds()).toHaveLength(DEVICES);
    } finally {
      await throttling.close();
    }
  });
});

function countIdentityCreated(stateDir: string): number {
  const db = new Database(join(stateDir, 'state.db'), { readonly: true });
  try {
    return (db.prepare("SELECT COUNT(*) AS count FROM devices WHERE state = 'identity-created'").get() as { count: number }).count;
  } finally {
    db.close();
  }
}
