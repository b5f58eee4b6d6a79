import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request as httpsGet } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateThingCommand, DescribeThingCommand, IoTClient, ListThingsCommand } from '@aws-sdk/client-iot';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import deviceSdk from 'azure-iot-device';
import { Mqtt } from 'azure-iot-device-mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane, type ControlPlane } from '../../src/sandbox/aws/control-plane/start-control-plane.js';
import { emptyEstate } from '../../src/sandbox/aws/estate.js';
import { EstateStore } from '../../src/sandbox/aws/estate-store.js';
import { ObjectStore } from '../../src/sandbox/aws/s3/object-store.js';
import { startS3Server, type S3Server } from '../../src/sandbox/aws/s3/start-s3-server.js';
import { FaultInjector, NO_FAULTS, type FaultKind } from '../../src/sandbox/faults.js';
import { createCertificateAuthority, issueCertificate, type CertificateAuthority } from '../../src/sandbox/pki.js';
import { eventually } from '../support/eventually.js';
import { startTestHub, type TestHub } from '../support/azure-hub-fixture.js';
import { uniqueLoopbackHost } from '../support/loopback.js';

/**
 * The sandbox's injected faults as the real SDKs meet them: S3 cutting and corrupting the
 * presigned downloads devices make (never apply's signed calls), IoT Hub refusing device
 * connections (by chance and by an explicit list), and the AWS control plane throttling
 * calls that @aws-sdk/client-iot then retries.
 */
const credentials = { accessKeyId: 'AKIASANDBOX000000000', secretAccessKey: 'sandbox-secret-access-key' };
const host = uniqueLoopbackHost();
const bundle = Buffer.from(Array.from({ length: 300_000 }, (_, index) => (index * 131) % 256));
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const injector = (kind: FaultKind, rate: number, seed = 3) => new FaultInjector({ ...NO_FAULTS, [kind]: rate }, seed);

let work: string;
let rootCa: CertificateAuthority;
const closers: Array<() => Promise<void> | void> = [];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'iotmigrate-faults-'));
  rootCa = await createCertificateAuthority('test faults root CA');
});

afterAll(async () => {
  for (const close of closers.reverse()) await close();
  if (work) await rm(work, { recursive: true, force: true });
});

interface Download {
  status: number;
  headers: Record<string, unknown>;
  body: Buffer;
  /** Set when the connection failed before the whole body arrived. */
  error?: Error;
}

/** A plain HTTPS GET of a presigned URL, as an OTA agent fetches its bundle; keeps what arrived before any failure. */
function download(url: string): Promise<Download> {
  return new Promise((resolve, reject) => {
    httpsGet(url, { ca: rootCa.certificatePem, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      const result = () => ({ status: response.statusCode!, headers: response.headers, body: Buffer.concat(chunks) });
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve(result()));
      response.on('error', (error) => resolve({ ...result(), error }));
    })
      .on('error', reject)
      .end();
  });
}

describe('S3 download faults on presigned GETs (client-s3 and its presigner, over HTTPS)', () => {
  const servers: Record<'drop' | 'corrupt' | 'corruptAgain', { server: S3Server; faults: FaultInjector; s3: S3Client }> = {} as never;

  beforeAll(async () => {
    const tls = await issueCertificate(rootCa, { commonName: host, ipAddresses: [host], usage: 'server' });
    const start = async (name: keyof typeof servers, faults: FaultInjector) => {
      const server = await startS3Server({ objects: await ObjectStore.open(join(work, `s3-${name}`)), host, port: 0, region: 'us-east-1', credentials, tls, faults });
      const s3 = new S3Client({ region: 'us-east-1', endpoint: server.url, forcePathStyle: true, credentials, requestHandler: { httpsAgent: new Agent({ ca: rootCa.certificatePem }) } });
      closers.push(() => s3.destroy(), () => server.close());
      await s3.send(new CreateBucketCommand({ Bucket: 'ota-bundles' }));
      await s3.send(new PutObjectCommand({ Bucket: 'ota-bundles', Key: 'fw/bundle.tar', Body: bundle }));
      servers[name] = { server, faults, s3 };
    };
    await start('drop', injector('download-drop', 1));
    await start('corrupt', injector('bundle-corrupt', 1));
    await start('corruptAgain', injector('bundle-corrupt', 1));
  });

  const presigned = (s3: S3Client) => getSignedUrl(s3, new GetObjectCommand({ Bucket: 'ota-bundles', Key: 'fw/bundle.tar' }), { expiresIn: 600 });

  it('cuts a presigned download mid-body under download-drop=1, while PutObject, HeadObject and a signed GetObject stay whole', async () => {
    const { s3, faults } = servers.drop;
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'ota-bundles', Key: 'fw/bundle.tar' }));
    expect(head.ContentLength).toBe(bundle.length);
    const signed = await s3.send(new GetObjectCommand({ Bucket: 'ota-bundles', Key: 'fw/bundle.tar' }));
    expect(Buffer.from(await signed.Body!.transformToByteArray())).toEqual(bundle);
    expect(faults.struck('download-drop')).toBe(0);

    const cut = await download(await presigned(s3));
    expect(cut.status).toBe(200);
    expect(cut.headers['content-length']).toBe(String(bundle.length));
    expect(cut.error).toBeDefined();
    expect(cut.body.length).toBeLessThan(bundle.length);
    // What did arrive is the object's own bytes: a cut, not a corruption.
    expect(cut.body).toEqual(bundle.subarray(0, cut.body.length));
    expect(faults.struck('download-drop')).toBe(1);
  });

  it('flips bytes of a presigned download under bundle-corrupt=1: same length and headers, another SHA-256, the same bytes for the same seed', async () => {
    const { s3, faults } = servers.corrupt;
    const put = await s3.send(new PutObjectCommand({ Bucket: 'ota-bundles', Key: 'fw/bundle.tar', Body: bundle }));
    const signed = await s3.send(new GetObjectCommand({ Bucket: 'ota-bundles', Key: 'fw/bundle.tar' }));
    expect(sha256(Buffer.from(await signed.Body!.transformToByteArray()))).toBe(sha256(bundle));

    const corrupted = await download(await presigned(s3));
    expect(corrupted.error).toBeUndefined();
    expect(corrupted.headers).toMatchObject({ 'content-length': String(bundle.length), etag: put.ETag });
    expect(corrupted.body.length).toBe(bundle.length);
    expect(sha256(corrupted.body)).not.toBe(sha256(bundle));
    const flipped = [...corrupted.body.keys()].filter((index) => corrupted.body[index] !== bundle[index]);
    expect(flipped.length).toBeGreaterThan(0);
    expect(flipped.length).toBeLessThanOrEqual(8);
    expect(faults.struck('bundle-corrupt')).toBe(1);

    // The stored object is untouched, and another sandbox with the same seed corrupts the same bytes.
    expect(sha256(Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: 'ota-bundles', Key: 'fw/bundle.tar' }))).Body!.transformToByteArray()))).toBe(sha256(bundle));
    const again = await download(await presigned(servers.corruptAgain.s3));
    expect(again.body).toEqual(corrupted.body);
  });
});

describe('api-throttle on the AWS control plane (@aws-sdk/client-iot)', () => {
  const startThrottling = async (rate: number): Promise<{ controlPlane: ControlPlane; faults: FaultInjector }> => {
    const faults = injector('api-throttle', rate, 11);
    const controlPlane = await startControlPlane({ store: EstateStore.inMemory(emptyEstate('123456789012', 'us-east-1')), host, port: 0, dataEndpointHost: host, faults });
    closers.push(() => controlPlane.close());
    return { controlPlane, faults };
  };

  it('answers about half the calls with 429 at 0.5, and every call still succeeds through the SDK retrying them', async () => {
    const { controlPlane, faults } = await startThrottling(0.5);
    // Ten attempts, as a caller that expects throttling configures: the default three would lose one call in eight.
    const iot = new IoTClient({ region: 'us-east-1', endpoint: controlPlane.url, credentials, maxAttempts: 10 });
    closers.push(() => iot.destroy());
    const attempts: number[] = [];
    for (let index = 0; index < 8; index++) {
      const created = await iot.send(new CreateThingCommand({ thingName: `throttled-${index}` }));
      attempts.push(created.$metadata.attempts ?? 1);
    }
    const described = await iot.send(new DescribeThingCommand({ thingName: 'throttled-7' }));
    attempts.push(described.$metadata.attempts ?? 1);
    const listed = await iot.send(new ListThingsCommand({}));
    attempts.push(listed.$metadata.attempts ?? 1);
    expect(listed.things?.map((thing) => thing.thingName).sort()).toEqual(Array.from({ length: 8 }, (_, index) => `throttled-${index}`));
    // Every retry the SDK made answered one 429.
    expect(faults.struck('api-throttle')).toBe(attempts.reduce((sum, count) => sum + count - 1, 0));
    expect(faults.struck('api-throttle')).toBeGreaterThan(0);
  }, 60_000);

  it('fails with ThrottlingException at 1 once the SDK has used its attempts', async () => {
    const { controlPlane, faults } = await startThrottling(1);
    const iot = new IoTClient({ region: 'us-east-1', endpoint: controlPlane.url, credentials });
    closers.push(() => iot.destroy());
    const failure = (await iot.send(new ListThingsCommand({})).catch((error: unknown) => error)) as Error & { $metadata: { httpStatusCode?: number; attempts?: number } };
    expect(failure.name).toBe('ThrottlingException');
    expect(failure.$metadata).toMatchObject({ httpStatusCode: 429, attempts: 3 });
    expect(faults.struck('api-throttle')).toBe(3);
  }, 30_000);
});

describe('IoT Hub refusing device connections (azure-iot-device over MQTT)', () => {
  let refusing: TestHub;
  let faults: FaultInjector;
  let hub: TestHub;

  beforeAll(async () => {
    faults = injector('azure-refuse', 1);
    [refusing, hub] = await Promise.all([startTestHub({ faults }), startTestHub()]);
    closers.push(() => refusing.close(), () => hub.close());
  }, 60_000);

  type Device = { authentication: { symmetricKey: { primaryKey: string } } };
  const createSasDevice = async (t: TestHub, deviceId: string) => {
    const device = await t.sdk.call<Device>(t.hub.connectionString, 'create', { deviceId });
    return `HostName=${t.host};DeviceId=${deviceId};SharedAccessKey=${device.authentication.symmetricKey.primaryKey}`;
  };
  const connectedIds = (t: TestHub) => t.hub.connectedDevices().map((device) => device.deviceId);

  /**
   * The error one connection attempt fails with. "Server unavailable" is retryable for
   * the SDK, which would otherwise keep trying for four minutes: one attempt is a policy
   * that never retries.
   */
  const refusalOf = async (t: TestHub, connectionString: string): Promise<Error> => {
    const client = deviceSdk.Client.fromConnectionString(connectionString, Mqtt);
    client.on('error', () => {});
    client.setRetryPolicy({ shouldRetry: () => false, nextRetryTimeout: () => 0 });
    await client.setOptions({ ca: t.rootCa.certificatePem });
    try {
      await client.open();
    } catch (error) {
      return error as Error;
    } finally {
      await client.close();
    }
    throw new Error('the device connected where a refusal was expected');
  };

  it('refuses each connection attempt of a device with good credentials under azure-refuse=1, as "server unavailable"', async () => {
    const connectionString = await createSasDevice(refusing, 'refused-by-chance');
    const first = await refusalOf(refusing, connectionString);
    expect(first.name).toBe('ServiceUnavailableError');
    expect(first.message).toContain('Server unavailable');
    expect((await refusalOf(refusing, connectionString)).name).toBe('ServiceUnavailableError');
    expect(faults.struck('azure-refuse')).toBe(2);
    expect(connectedIds(refusing)).toEqual([]);
    // A bad key is refused for what it is, and draws no fault.
    const wrongKey = connectionString.replace(/SharedAccessKey=.*/, `SharedAccessKey=${Buffer.alloc(32).toString('base64')}`);
    expect((await refusalOf(refusing, wrongKey)).name).toBe('UnauthorizedError');
    expect(faults.struck('azure-refuse')).toBe(2);
  });

  it('refuses listed devices, drops them if connected, and lets them in once admitted (hub.refuseDevices / admitDevices)', async () => {
    const connectionString = await createSasDevice(hub, 'listed-1');
    const client = await hub.openDevice(connectionString);
    expect(connectedIds(hub)).toContain('listed-1');

    hub.hub.refuseDevices(['listed-1'], 'rehearsing a rollback');
    expect(hub.hub.refusedDevices()).toEqual([{ deviceId: 'listed-1', reason: 'rehearsing a rollback' }]);
    await eventually(() => (connectedIds(hub).includes('listed-1') ? undefined : true), 'the hub to drop listed-1');
    await client.close();
    expect((await refusalOf(hub, connectionString)).name).toBe('ServiceUnavailableError');

    // A device SDK with its default policy keeps retrying "server unavailable", and gets in once admitted.
    const retrying = hub.openDevice(connectionString);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(connectedIds(hub)).not.toContain('listed-1');
    hub.hub.admitDevices(['listed-1']);
    expect(hub.hub.refusedDevices()).toEqual([]);
    await retrying;
    expect(connectedIds(hub)).toContain('listed-1');
  });

  it('takes the refusal list over its sandbox endpoint too: PUT, GET and DELETE /sandbox/refused-devices', async () => {
    const connectionString = await createSasDevice(hub, 'listed-2');
    // Refusing a device takes RegistryWrite.
    expect((await hub.rest('PUT', '/sandbox/refused-devices/listed-2', { json: {}, policy: 'service' })).status).toBe(401);
    const put = await hub.rest('PUT', '/sandbox/refused-devices/listed-2', { json: { reason: 'operator says no' } });
    expect(put).toMatchObject({ status: 200, json: { deviceId: 'listed-2', reason: 'operator says no' } });
    expect((await hub.rest('GET', '/sandbox/refused-devices', { policy: 'registryRead' })).json).toEqual([{ deviceId: 'listed-2', reason: 'operator says no' }]);
    expect((await refusalOf(hub, connectionString)).name).toBe('ServiceUnavailableError');

    expect((await hub.rest('DELETE', '/sandbox/refused-devices/listed-2')).status).toBe(204);
    expect((await hub.rest('GET', '/sandbox/refused-devices')).json).toEqual([]);
    await hub.openDevice(connectionString);
    expect(connectedIds(hub)).toContain('listed-2');
  });
});
