import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deviceToCreate } from '../azure/registry-device.js';
import { ensureIdentityBatch, MAX_ETAG_ROUNDS, type BatchDependencies } from './ensure-identity-batch.js';
import { FakeIdentityRegistry, identity } from './identity-registry.fixture.js';
import { SAS_KEYS_FILE, SasKeyFile } from './sas-key-file.js';

let dir: string;
let hub: FakeIdentityRegistry;
let deps: BatchDependencies;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iotmigrate-batch-'));
  hub = new FakeIdentityRegistry();
  deps = { registry: hub, sasKeys: await SasKeyFile.open(dir, 'hub.example'), twinConcurrency: 4 };
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The authentication apply would register for the device. */
const planned = (deviceId: string) => deviceToCreate(identity(deviceId), undefined).authentication;

describe('ensureIdentityBatch', () => {
  it('creates new devices with their twins in one bulk request', async () => {
    const outcomes = await ensureIdentityBatch([identity('a'), identity('b'), identity('c')], deps);
    expect(outcomes).toEqual([
      { deviceId: 'a', kind: 'created' },
      { deviceId: 'b', kind: 'created' },
      { deviceId: 'c', kind: 'created' },
    ]);
    expect(hub.calls).toEqual(['create 3']);
    expect(hub.devices.get('b')).toMatchObject({ status: 'enabled', tags: { aws: { thingName: 'b' } }, desired: { setpoint: 21 } });
  });

  it('finds a device a killed run created but never recorded, and writes nothing more', async () => {
    await ensureIdentityBatch([identity('a')], deps);
    hub.calls.length = 0;
    expect(await ensureIdentityBatch([identity('a'), identity('b')], deps)).toEqual([
      { deviceId: 'a', kind: 'unchanged' },
      { deviceId: 'b', kind: 'created' },
    ]);
    expect(hub.calls).toEqual(['create 2', 'read a']);
    expect(hub.devices.size).toBe(2);
  });

  it('brings existing devices in line: identities in one bulk update, twins by patch, others left alone', async () => {
    const wanted = identity('wrong-thumbprint');
    hub.put('wrong-thumbprint', {
      authentication: { type: 'selfSigned', x509Thumbprint: { primaryThumbprint: 'F'.repeat(64), secondaryThumbprint: 'F'.repeat(64) } },
      tags: structuredClone(wanted.twin.tags),
      desired: { setpoint: 21 },
    });
    hub.put('disabled', { status: 'disabled', authentication: planned('disabled') });
    hub.put('stale-twin', {
      authentication: planned('stale-twin'),
      tags: { aws: { thingName: 'stale-twin', retired: 'yes' }, groups: { 'site-north': true }, owner: 'ops' },
      desired: { setpoint: 18, mode: 'eco' },
    });
    const outcomes = await ensureIdentityBatch([wanted, identity('disabled'), identity('stale-twin')], deps);
    expect(outcomes.map((outcome) => outcome.kind)).toEqual(['updated', 'updated', 'updated']);
    expect(hub.calls.filter((call) => call.startsWith('update'))).toEqual(['update 2']);
    expect(hub.devices.get('wrong-thumbprint')!.authentication).toEqual(planned('wrong-thumbprint'));
    expect(hub.devices.get('disabled')!.status).toBe('enabled');
    expect(hub.devices.get('stale-twin')).toMatchObject({
      tags: { aws: { thingName: 'stale-twin' }, groups: { 'site-north': true }, owner: 'ops' },
      desired: { setpoint: 21, mode: 'eco' },
    });
    expect(hub.devices.get('stale-twin')!.tags.aws).toEqual({ thingName: 'stale-twin' });
    hub.calls.length = 0;
    expect((await ensureIdentityBatch([wanted, identity('disabled'), identity('stale-twin')], deps)).map((outcome) => outcome.kind)).toEqual([
      'unchanged',
      'unchanged',
      'unchanged',
    ]);
    expect(hub.calls.filter((call) => !call.startsWith('read'))).toEqual(['create 3']);
  });

  it('fails a device the hub refuses, with the hub\'s reason, and creates the others', async () => {
    hub.maxTagBytes = 100;
    const big = identity('big', { twin: { tags: { attributes: { note: 'x'.repeat(200) } }, desired: {} } });
    expect(await ensureIdentityBatch([identity('a'), big], deps)).toEqual([
      { deviceId: 'a', kind: 'created' },
      { deviceId: 'big', kind: 'failed', reason: 'ArgumentInvalid: tags too large' },
    ]);
  });

  it('splits a request the hub refuses as a whole until the device it refuses is alone', async () => {
    const batch = Array.from({ length: 16 }, (_, index) => identity(`d${String(index).padStart(2, '0')}`));
    hub.unparseable.add('d05');
    const outcomes = await ensureIdentityBatch(batch, deps);
    expect(outcomes.filter((outcome) => outcome.kind === 'created')).toHaveLength(15);
    expect(outcomes[5]).toEqual({ deviceId: 'd05', kind: 'failed', reason: "Refused: 400 Device ID 'd05' is invalid" });
    // 16 → 8 → 4 → 2 → 1: one refused request per level, and its sibling written at each.
    expect(hub.calls).toHaveLength(9);
  });

  it('reads a device again when it changed between the read and the write', async () => {
    hub.put('busy', { authentication: planned('busy') });
    let changes = 1;
    hub.beforeWrite = (deviceId) => {
      if (deviceId === 'busy' && changes-- > 0) hub.devices.get('busy')!.twinVersion += 1;
    };
    expect(await ensureIdentityBatch([identity('busy')], deps)).toEqual([{ deviceId: 'busy', kind: 'updated' }]);
    expect(hub.calls.filter((call) => call === 'read busy')).toHaveLength(2);
    expect(hub.devices.get('busy')!.tags).toEqual(identity('busy').twin.tags);
  });

  it('gives up on a device that keeps changing, after a few rounds', async () => {
    hub.put('churn', { authentication: planned('churn') });
    hub.beforeWrite = () => {
      hub.devices.get('churn')!.twinVersion += 1;
    };
    expect(await ensureIdentityBatch([identity('churn')], deps)).toEqual([
      { deviceId: 'churn', kind: 'failed', reason: `it kept changing on the hub while apply wrote it (${MAX_ETAG_ROUNDS} etag mismatches); run apply again` },
    ]);
  });

  it('writes SAS keys to the 0600 file before creating the device with them', async () => {
    const sas = identity('sas-1', { authentication: { type: 'sas' } });
    expect(await ensureIdentityBatch([sas], deps)).toEqual([{ deviceId: 'sas-1', kind: 'created' }]);
    const auth = hub.devices.get('sas-1')!.authentication;
    expect(auth.type).toBe('sas');
    const file = join(dir, SAS_KEYS_FILE);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const lines = (await readFile(file, 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
    expect(lines).toEqual([{ deviceId: 'sas-1', hostName: 'hub.example', ...(auth.type === 'sas' ? auth.symmetricKey : {}) }]);
    expect(Buffer.from(lines[0].primaryKey, 'base64')).toHaveLength(32);
  });

  it('keeps the keys of a SAS device that exists, and converts a device of another kind to the keys it made', async () => {
    const keys = { primaryKey: Buffer.alloc(32, 1).toString('base64'), secondaryKey: Buffer.alloc(32, 2).toString('base64') };
    hub.put('sas-old', { authentication: { type: 'sas', symmetricKey: keys }, tags: identity('sas-old').twin.tags, desired: { setpoint: 21 } });
    hub.put('was-ca', { authentication: { type: 'certificateAuthority' } });
    const outcomes = await ensureIdentityBatch(
      [identity('sas-old', { authentication: { type: 'sas' } }), identity('was-ca', { authentication: { type: 'sas' } })],
      deps,
    );
    expect(outcomes.map((outcome) => outcome.kind)).toEqual(['unchanged', 'updated']);
    expect(hub.devices.get('sas-old')!.authentication).toEqual({ type: 'sas', symmetricKey: keys });
    const reopened = await SasKeyFile.open(dir, 'hub.example');
    expect(reopened.get('sas-old')).toEqual(keys);
    expect(hub.devices.get('was-ca')!.authentication).toEqual({ type: 'sas', symmetricKey: reopened.get('was-ca') });
  });
});
