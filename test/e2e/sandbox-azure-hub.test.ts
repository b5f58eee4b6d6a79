import { createHash } from 'node:crypto';
import iothub from 'azure-iothub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIotHub } from '../../src/sandbox/azure/start-iot-hub.js';
import { issueCertificate } from '../../src/sandbox/pki.js';
import { startTestHub, type TestHub } from '../support/azure-hub-fixture.js';

/**
 * The sandbox hub's service API, driven by the real azure-iothub (in a child process
 * that trusts the test CA through NODE_EXTRA_CA_CERTS) against port 443 of a loopback
 * address of the hub's own.
 */
type Device = {
  deviceId: string;
  etag: string;
  status: string;
  statusUpdatedTime: string;
  authentication: {
    type: string;
    symmetricKey: { primaryKey: string | null; secondaryKey: string | null };
    x509Thumbprint: { primaryThumbprint: string | null; secondaryThumbprint: string | null };
  };
};
type Twin = {
  deviceId: string;
  etag: string;
  version: number;
  tags: Record<string, unknown>;
  properties: { desired: Record<string, unknown>; reported: Record<string, unknown> };
};
type BulkResult = { isSuccessful: boolean; errors: Array<{ deviceId: string; errorCode: string }> };

let t: TestHub;
let owner: string;

beforeAll(async () => {
  t = await startTestHub();
  owner = t.hub.connectionString;
}, 30_000);

afterAll(async () => {
  await t?.close();
});

const errorCodeOf = (body: string | undefined) => /^ErrorCode:([^;]+);/.exec((JSON.parse(body ?? '{}') as { Message?: string }).Message ?? '')?.[1];

describe('sandbox IoT Hub service API (azure-iothub)', () => {
  it('creates, reads, updates, lists and deletes device identities', async () => {
    const sas = await t.sdk.call<Device>(owner, 'create', { deviceId: 'crud-sas' });
    expect(sas.authentication.type).toBe('sas');
    expect(Buffer.from(sas.authentication.symmetricKey.primaryKey!, 'base64')).toHaveLength(32);
    expect(sas.authentication.symmetricKey.secondaryKey).not.toBe(sas.authentication.symmetricKey.primaryKey);

    const thumbprint = createHash('sha256').update('crud-x509').digest('hex').toUpperCase();
    const x509 = await t.sdk.call<Device>(owner, 'create', { deviceId: 'crud-x509', authentication: { x509Thumbprint: { primaryThumbprint: thumbprint } } });
    expect(x509.authentication).toMatchObject({ type: 'selfSigned', x509Thumbprint: { primaryThumbprint: thumbprint, secondaryThumbprint: null } });

    const again = await t.sdk.failure(owner, 'create', { deviceId: 'crud-sas' });
    expect(again).toMatchObject({ name: 'DeviceAlreadyExistsError', statusCode: 409 });

    const fetched = await t.sdk.call<Device>(owner, 'get', 'crud-sas');
    expect(fetched).toMatchObject({ deviceId: 'crud-sas', etag: sas.etag, status: 'enabled' });

    const disabled = await t.sdk.call<Device>(owner, 'update', { ...fetched, status: 'disabled' });
    expect(disabled.status).toBe('disabled');
    expect(disabled.etag).not.toBe(sas.etag);
    expect(disabled.statusUpdatedTime).not.toBe('0001-01-01T00:00:00Z');
    expect(disabled.authentication.symmetricKey).toEqual(sas.authentication.symmetricKey);
    expect(await t.sdk.failure(owner, 'update', { deviceId: 'crud-missing' })).toMatchObject({ name: 'DeviceNotFoundError', statusCode: 404 });

    const listed = await t.sdk.call<Device[]>(owner, 'list');
    expect(listed.map((device) => device.deviceId)).toEqual(expect.arrayContaining(['crud-sas', 'crud-x509']));

    await t.sdk.call(owner, 'delete', 'crud-sas');
    expect(await t.sdk.failure(owner, 'get', 'crud-sas')).toMatchObject({ name: 'DeviceNotFoundError', statusCode: 404 });
    expect(await t.sdk.failure(owner, 'delete', 'crud-sas')).toMatchObject({ name: 'DeviceNotFoundError', statusCode: 404 });
    expect(await t.sdk.failure(owner, 'create', { deviceId: 'no spaces allowed' })).toMatchObject({ name: 'ArgumentError', statusCode: 400 });
  });

  it('applies bulk operations device by device, with createOrUpdate semantics for re-runs', async () => {
    const ids = ['bulk-1', 'bulk-2', 'bulk-3'];
    const added = await t.sdk.call<BulkResult>(owner, 'addDevices', ids.map((deviceId) => ({ deviceId })));
    expect(added).toMatchObject({ isSuccessful: true, errors: [] });

    // A re-run of the same batch plus one new device: the new one is created, the others
    // are reported as already there, and the SDK surfaces IoT Hub's 400.
    const rerun = await t.sdk.failure(owner, 'addDevices', [...ids, 'bulk-4'].map((deviceId) => ({ deviceId })));
    expect(rerun).toMatchObject({ name: 'ArgumentError', statusCode: 400 });
    const rerunResult = JSON.parse(rerun.responseBody!) as BulkResult;
    expect(rerunResult.isSuccessful).toBe(false);
    expect(rerunResult.errors.map((error) => [error.deviceId, error.errorCode])).toEqual(ids.map((id) => [id, 'DeviceAlreadyExists']));
    expect(await t.sdk.call<Device>(owner, 'get', 'bulk-4')).toMatchObject({ deviceId: 'bulk-4' });

    const updated = await t.sdk.call<BulkResult>(owner, 'updateDevices', ids.map((deviceId) => ({ deviceId, status: 'disabled' })), true);
    expect(updated.isSuccessful).toBe(true);
    expect((await t.sdk.call<Device>(owner, 'get', 'bulk-2')).status).toBe('disabled');

    const stale = JSON.parse((await t.sdk.failure(owner, 'updateDevices', [{ deviceId: 'bulk-1', etag: 'c3RhbGU=' }], false)).responseBody!) as BulkResult;
    expect(stale.errors).toMatchObject([{ deviceId: 'bulk-1', errorCode: 'PreconditionFailed' }]);
    const missing = JSON.parse((await t.sdk.failure(owner, 'updateDevices', [{ deviceId: 'bulk-none' }], true)).responseBody!) as BulkResult;
    expect(missing.errors).toMatchObject([{ deviceId: 'bulk-none', errorCode: 'DeviceNotFound' }]);

    // The import-job mode createOrUpdate, which azure-iothub has no call for: existing
    // devices are overwritten, missing ones created, in one request.
    const createOrUpdate = await t.rest('POST', '/devices?api-version=2021-04-12', {
      json: [
        { id: 'bulk-1', importMode: 'createOrUpdate', status: 'enabled', tags: { wave: 'canary' } },
        { id: 'bulk-5', importMode: 'CREATEORUPDATE' },
      ],
    });
    expect(createOrUpdate).toMatchObject({ status: 200, json: { isSuccessful: true } });
    expect(await t.sdk.call<Twin>(owner, 'getTwin', 'bulk-1')).toMatchObject({ status: 'enabled', tags: { wave: 'canary' } });

    const removed = await t.sdk.call<BulkResult>(owner, 'removeDevices', [...ids, 'bulk-4', 'bulk-5'].map((deviceId) => ({ deviceId })), true);
    expect(removed.isSuccessful).toBe(true);
    expect(await t.sdk.failure(owner, 'get', 'bulk-4')).toMatchObject({ name: 'DeviceNotFoundError' });
  });

  it('queries twins by tags, reported properties and device ID, a page at a time', async () => {
    const ids = ['query-1', 'query-2', 'query-3', 'query-4', 'query-5'];
    await t.sdk.call(owner, 'addDevices', ids.map((deviceId) => ({ deviceId })));
    for (const deviceId of ids.slice(0, 3)) {
      await t.sdk.call(owner, 'updateTwin', deviceId, { tags: { site: { name: 'plant-a' }, migrated: true } }, '*');
    }
    await t.sdk.call(owner, 'updateTwin', 'query-4', { tags: { site: { name: 'plant-b' } } }, '*');

    const pages = await t.sdk.call<Twin[][]>(owner, 'query', "SELECT * FROM devices WHERE tags.site.name = 'plant-a'", 2);
    expect(pages.map((page) => page.length)).toEqual([2, 1]);
    expect(pages.flat().map((twin) => twin.deviceId)).toEqual(['query-1', 'query-2', 'query-3']);

    const notA = await t.sdk.call<Twin[][]>(owner, 'query', "SELECT * FROM devices WHERE STARTSWITH(deviceId, 'query-') AND NOT (tags.site.name = 'plant-a')");
    expect(notA.flat().map((twin) => twin.deviceId)).toEqual(['query-4']);
    const byId = await t.sdk.call<Twin[][]>(owner, 'query', "SELECT * FROM devices WHERE deviceId IN ['query-5', 'query-1'] OR tags.migrated = false");
    expect(byId.flat().map((twin) => twin.deviceId)).toEqual(['query-1', 'query-5']);
    const counted = await t.sdk.call<Array<Array<Record<string, number>>>>(owner, 'query', "SELECT COUNT() AS n FROM devices WHERE IS_DEFINED(tags.site)");
    expect(counted).toEqual([[{ n: 4 }]]);

    expect(await t.sdk.failure(owner, 'query', 'SELECT deviceId FROM devices GROUP BY status')).toMatchObject({ name: 'ArgumentError', statusCode: 400 });
  });

  it('patches twins with etags and versions, refuses a stale etag with 412, and replaces with PUT', async () => {
    await t.sdk.call(owner, 'create', { deviceId: 'twin-1' });
    const initial = await t.sdk.call<Twin>(owner, 'getTwin', 'twin-1');
    expect(initial.properties.desired.$version).toBe(1);

    const patched = await t.sdk.call<Twin>(owner, 'updateTwin', 'twin-1', { tags: { fleet: 'a' }, properties: { desired: { telemetry: { intervalSeconds: 30 } } } }, initial.etag);
    expect(patched.tags).toEqual({ fleet: 'a' });
    expect(patched.properties.desired).toMatchObject({ telemetry: { intervalSeconds: 30 }, $version: 2 });
    expect(patched.version).toBe(initial.version + 1);
    expect(patched.etag).not.toBe(initial.etag);

    expect(await t.sdk.failure(owner, 'updateTwin', 'twin-1', { tags: { fleet: 'b' } }, initial.etag)).toMatchObject({ name: 'InvalidEtagError', statusCode: 412 });

    const removed = await t.sdk.call<Twin>(owner, 'updateTwin', 'twin-1', { properties: { desired: { telemetry: { intervalSeconds: null }, mode: 'eco' } } }, '*');
    expect(removed.properties.desired).toMatchObject({ telemetry: {}, mode: 'eco', $version: 3 });
    expect(await t.sdk.failure(owner, 'updateTwin', 'twin-1', { properties: { reported: { x: 1 } } }, '*')).toMatchObject({ statusCode: 400 });

    const replaced = await t.rest('PUT', '/twins/twin-1?api-version=2021-04-12', {
      json: { tags: { fleet: 'c' }, properties: { desired: { mode: 'full' } } },
      headers: { 'if-match': `"${removed.etag}"` },
    });
    expect(replaced.status).toBe(200);
    expect(replaced.json).toMatchObject({ tags: { fleet: 'c' }, properties: { desired: { mode: 'full', $version: 4 } } });
    expect((replaced.json as Twin).properties.desired).not.toHaveProperty('telemetry');
  });

  it('answers registry and service statistics', async () => {
    await t.sdk.call(owner, 'addDevices', [{ deviceId: 'stats-on' }, { deviceId: 'stats-off', status: 'disabled' }]);
    const registry = await t.sdk.call<Record<string, number>>(owner, 'getRegistryStatistics');
    const ids = t.hub.listDeviceIds();
    expect(registry.totalDeviceCount).toBe(ids.length);
    expect(registry.disabledDeviceCount).toBe(ids.filter((id) => t.hub.getDevice(id)!.status === 'disabled').length);
    expect(registry.enabledDeviceCount + registry.disabledDeviceCount).toBe(registry.totalDeviceCount);
    expect(await t.sdk.call(owner, 'getServiceStatistics')).toEqual({ connectedDeviceCount: 0 });
  });

  it('refuses a wrong key, an expired token, an unknown policy and a policy without the right, with 401', async () => {
    const { SharedAccessKey: key } = iothub.ConnectionString.parse(owner);
    const wrongKey = owner.replace(key!, Buffer.alloc(32, 7).toString('base64'));
    const refused = await t.sdk.failure(wrongKey, 'list');
    expect(refused).toMatchObject({ name: 'UnauthorizedError', statusCode: 401 });
    expect(errorCodeOf(refused.responseBody)).toBe('IotHubUnauthorizedAccess');
    expect(JSON.parse(refused.responseBody!)).toHaveProperty('ExceptionMessage');

    const expired = iothub.SharedAccessSignature.create(t.host, 'iothubowner', key!, Math.floor(Date.now() / 1000) - 60).toString();
    expect(await t.sdk.failure({ sharedAccessSignature: expired }, 'list')).toMatchObject({ name: 'UnauthorizedError', statusCode: 401 });

    const unknownPolicy = owner.replace('SharedAccessKeyName=iothubowner', 'SharedAccessKeyName=nosuchpolicy');
    expect(await t.sdk.failure(unknownPolicy, 'list')).toMatchObject({ name: 'UnauthorizedError', statusCode: 401 });

    const registryRead = t.hub.connectionStringFor('registryRead');
    await expect(t.sdk.call(registryRead, 'list')).resolves.toBeInstanceOf(Array);
    expect(await t.sdk.failure(registryRead, 'create', { deviceId: 'not-allowed' })).toMatchObject({ name: 'UnauthorizedError', statusCode: 401 });
    expect(await t.sdk.failure(t.hub.connectionStringFor('service'), 'create', { deviceId: 'not-allowed' })).toMatchObject({ statusCode: 401 });
    await expect(t.sdk.call(t.hub.connectionStringFor('registryReadWrite'), 'create', { deviceId: 'allowed' })).resolves.toMatchObject({ deviceId: 'allowed' });
  });
});

describe('sandbox IoT Hub throttling and persistence', () => {
  it('answers 429 ThrottlingException beyond the API rate', async () => {
    const throttled = await startTestHub({ apiRate: 2 });
    try {
      const results = await Promise.allSettled(Array.from({ length: 8 }, () => throttled.sdk.call(throttled.hub.connectionString, 'list')));
      const failures = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
      expect(results.filter((result) => result.status === 'fulfilled').length).toBeGreaterThanOrEqual(1);
      expect(failures.length).toBeGreaterThanOrEqual(4);
      for (const failure of failures) {
        const error = (failure.reason as { sdkError: { name: string; statusCode: number; responseBody: string } }).sdkError;
        expect(error).toMatchObject({ name: 'ThrottlingError', statusCode: 429 });
        expect(errorCodeOf(error.responseBody)).toBe('ThrottlingException');
      }
    } finally {
      await throttled.close();
    }
  });

  it('keeps devices, twins and keys in azure-hub.json across a restart', async () => {
    const { hub: running, stateDir, host } = t;
    await t.sdk.call(owner, 'create', { deviceId: 'persisted' });
    await t.sdk.call(owner, 'updateTwin', 'persisted', { tags: { kept: true } }, '*');
    const before = t.hub.getDevice('persisted');
    await running.close();

    // A new hub on the same state dir: only the file carries the registry over.
    const serverCertificate = await issueCertificate(t.rootCa, { commonName: host, ipAddresses: [host], usage: 'server' });
    const reopened = await startIotHub({ hubName: 'ignored', host, stateDir, serverCertificate });
    try {
      expect(reopened.hubName).toBe('test-hub');
      expect(reopened.connectionString).toBe(owner);
      expect(reopened.getDevice('persisted')).toEqual(before);
      expect(reopened.getTwin('persisted')).toMatchObject({ tags: { kept: true } });
      expect(await t.sdk.call<Device>(owner, 'get', 'persisted')).toMatchObject({ deviceId: 'persisted' });
    } finally {
      await reopened.close();
    }
  });
});
