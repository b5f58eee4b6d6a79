import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import deviceSdk from 'azure-iot-device';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCertificateAuthority, issueCertificate, pemToDer, type CertificateAuthority, type IssuedCertificate } from '../../src/sandbox/pki.js';
import { startTestHub, type TestHub } from '../support/azure-hub-fixture.js';

/**
 * The sandbox hub's device side, driven by the real azure-iot-device +
 * azure-iot-device-mqtt on port 8883 (and, for the service half of each round trip,
 * the real azure-iothub in its child process).
 */
type Device = { deviceId: string; connectionState: string; lastActivityTime: string; authentication: { symmetricKey: { primaryKey: string } } };
type Twin = { properties: { desired: Record<string, unknown>; reported: Record<string, unknown> } };
type DesiredPatch = Record<string, unknown> & { $version: number };

let t: TestHub;
let owner: string;
/** Issues device certificates the hub knows nothing about, as AWS IoT issues its own. */
let unregisteredIssuer: CertificateAuthority;

beforeAll(async () => {
  t = await startTestHub();
  owner = t.hub.connectionString;
  unregisteredIssuer = await createCertificateAuthority('test AWS IoT issuing CA');
}, 30_000);

afterAll(async () => {
  await t?.close();
});

async function createSasDevice(deviceId: string, options: { status?: 'enabled' | 'disabled' } = {}): Promise<string> {
  const device = await t.sdk.call<Device>(owner, 'create', { deviceId, ...options });
  return `HostName=${t.host};DeviceId=${deviceId};SharedAccessKey=${device.authentication.symmetricKey.primaryKey}`;
}

const x509ConnectionString = (deviceId: string) => `HostName=${t.host};DeviceId=${deviceId};x509=true`;
const credentials = (issued: IssuedCertificate) => ({ cert: issued.certificatePem, key: issued.privateKeyPem });
const thumbprint = (issued: IssuedCertificate, algorithm: 'sha1' | 'sha256') => createHash(algorithm).update(pemToDer(issued.certificatePem)).digest('hex');

const connectedIds = () => t.hub.connectedDevices().map((device) => device.deviceId);
const subscriptionsOf = (deviceId: string) => t.hub.connectedDevices().find((device) => device.deviceId === deviceId)?.subscriptions ?? [];

async function eventually<T>(read: () => T | Promise<T>, accept: (value: T) => boolean, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (accept(value) || Date.now() > deadline) return value;
    await sleep(25);
  }
}

describe('sandbox IoT Hub device endpoint (azure-iot-device over MQTT)', () => {
  it('connects a SAS device and shows it Connected, then Disconnected, with its last activity', async () => {
    const connectionString = await createSasDevice('state-1');
    const client = await t.openDevice(connectionString);
    const connected = await t.sdk.call<Device>(owner, 'get', 'state-1');
    expect(connected.connectionState).toBe('Connected');
    expect(connected.lastActivityTime).not.toBe('0001-01-01T00:00:00Z');
    expect(await t.sdk.call(owner, 'getServiceStatistics')).toEqual({ connectedDeviceCount: 1 });

    await client.close();
    const disconnected = await eventually(() => t.sdk.call<Device>(owner, 'get', 'state-1'), (device) => device.connectionState === 'Disconnected');
    expect(disconnected.connectionState).toBe('Disconnected');
  });

  it('keeps device-to-cloud events with their properties, readable in process and over HTTPS', async () => {
    const client = await t.openDevice(await createSasDevice('telemetry-1'));
    const message = new deviceSdk.Message(JSON.stringify({ temperature: 21.5 }));
    message.messageId = 'm-1';
    message.contentType = 'application/json';
    message.contentEncoding = 'utf-8';
    message.properties.add('alert', 'high temperature');
    message.properties.add('aws-topic', 'sensors/telemetry-1/data');
    await client.sendEvent(message);

    const [event] = t.hub.events({ deviceId: 'telemetry-1' });
    expect(event).toMatchObject({
      deviceId: 'telemetry-1',
      properties: { alert: 'high temperature', 'aws-topic': 'sensors/telemetry-1/data' },
      systemProperties: { 'message-id': 'm-1', 'content-type': 'application/json', 'content-encoding': 'utf-8', 'iothub-connection-device-id': 'telemetry-1' },
    });
    expect(JSON.parse(event!.body.toString())).toEqual({ temperature: 21.5 });

    const read = await t.rest('GET', `/sandbox/events?deviceId=telemetry-1&after=${event!.sequenceNumber - 1}`, { policy: 'service' });
    expect(read.status).toBe(200);
    const [overHttps] = read.json as Array<{ sequenceNumber: number; properties: Record<string, string>; body: string }>;
    expect(overHttps).toMatchObject({ sequenceNumber: event!.sequenceNumber, properties: { alert: 'high temperature' } });
    expect(Buffer.from(overHttps!.body, 'base64').toString()).toBe(JSON.stringify({ temperature: 21.5 }));
    expect((await t.rest('GET', '/sandbox/events', { policy: 'registryRead' })).status).toBe(401);
  });

  it('delivers cloud-to-device messages, queued until the device listens', async () => {
    const client = await t.openDevice(await createSasDevice('c2d-1'));
    const queued = t.hub.sendCloudToDevice('c2d-1', 'first', { properties: { command: 'blink' } });
    expect(queued.delivered).toBe(false);
    expect(t.hub.getDevice('c2d-1')?.cloudToDeviceMessageCount).toBe(1);

    const received: Array<{ body: string; messageId: string; command: unknown }> = [];
    client.on('message', (message: InstanceType<typeof deviceSdk.Message>) => {
      received.push({ body: message.data.toString(), messageId: message.messageId, command: message.properties.getValue('command') });
      void client.complete(message);
    });
    await eventually(() => received.length, (count) => count === 1);
    expect(received[0]).toEqual({ body: 'first', messageId: queued.messageId, command: 'blink' });

    const sent = await t.rest('POST', '/sandbox/devices/c2d-1/messages/devicebound', {
      body: Buffer.from('second'),
      headers: { 'iothub-messageid': 'c2d-m2', 'iothub-app-command': 'reboot' },
      policy: 'service',
    });
    expect(sent).toMatchObject({ status: 202, json: { messageId: 'c2d-m2', delivered: true } });
    await eventually(() => received.length, (count) => count === 2);
    expect(received[1]).toEqual({ body: 'second', messageId: 'c2d-m2', command: 'reboot' });
    expect(t.hub.getDevice('c2d-1')?.cloudToDeviceMessageCount).toBe(0);
  });

  it('restores the subscriptions of a persistent session when the device reconnects', async () => {
    const connectionString = await createSasDevice('session-1');
    const first = await t.openDevice(connectionString);
    first.on('message', () => {});
    await eventually(() => subscriptionsOf('session-1'), (kinds) => kinds.includes('cloudToDevice'));
    await first.close();

    // The SDK connects with clean: false, so the hub keeps what the device subscribed to.
    await t.openDevice(connectionString);
    expect(subscriptionsOf('session-1')).toContain('cloudToDevice');
    expect(t.hub.sendCloudToDevice('session-1', 'after reconnect').delivered).toBe(true);
  });

  it('round-trips the twin: reported by the device, desired pushed from the service', async () => {
    const client = await t.openDevice(await createSasDevice('twin-1'));
    const twin = await client.getTwin();
    expect(twin.properties.desired.$version).toBe(1);

    await new Promise<void>((resolve, reject) =>
      twin.properties.reported.update({ firmware: { version: '2.0.0' }, migratedFrom: 'aws' }, (error?: Error) => (error ? reject(error) : resolve())),
    );
    const serviceView = await t.sdk.call<Twin>(owner, 'getTwin', 'twin-1');
    expect(serviceView.properties.reported).toMatchObject({ firmware: { version: '2.0.0' }, migratedFrom: 'aws', $version: 2 });

    const pushes: DesiredPatch[] = [];
    twin.on('properties.desired', (patch: DesiredPatch) => pushes.push(patch));
    // Listening subscribes in the background; IoT Hub pushes only to a subscribed device.
    await eventually(() => subscriptionsOf('twin-1'), (kinds) => kinds.includes('desiredUpdates'));
    await t.sdk.call(owner, 'updateTwin', 'twin-1', { properties: { desired: { telemetry: { intervalSeconds: 60 } } } }, '*');
    const [, push] = await eventually(() => pushes, (seen) => seen.some((patch) => patch.$version === 2));
    expect(push).toMatchObject({ telemetry: { intervalSeconds: 60 }, $version: 2 });
    expect(twin.properties.desired).toMatchObject({ telemetry: { intervalSeconds: 60 } });

    const fresh = await client.getTwin();
    expect(fresh.properties.reported).toMatchObject({ firmware: { version: '2.0.0' } });
  });

  it('invokes direct methods on a connected device and answers 404 for one that is not', async () => {
    const client = await t.openDevice(await createSasDevice('method-1'));
    client.onDeviceMethod('reboot', (request, response) => {
      void response.send(200, { rebooting: true, delaySeconds: (request.payload as { delaySeconds: number }).delaySeconds });
    });
    // The SDK subscribes to methods in the background: the connect timeout lets the hub wait for it.
    const result = await t.sdk.call(owner, 'invokeDeviceMethod', 'method-1', {
      methodName: 'reboot',
      payload: { delaySeconds: 5 },
      responseTimeoutInSeconds: 10,
      connectTimeoutInSeconds: 10,
    });
    expect(result).toEqual({ status: 200, payload: { rebooting: true, delaySeconds: 5 } });

    await createSasDevice('method-offline');
    expect(await t.sdk.failure(owner, 'invokeDeviceMethod', 'method-offline', { methodName: 'reboot', responseTimeoutInSeconds: 5 })).toMatchObject({
      statusCode: 404,
    });
  });
});

describe('sandbox IoT Hub device authentication', () => {
  it('accepts X.509 devices by SHA-256 and by SHA-1 thumbprint, primary or secondary, and refuses another certificate', async () => {
    const first = await issueCertificate(unregisteredIssuer, { commonName: 'AWS IoT Certificate', usage: 'client' });
    const second = await issueCertificate(unregisteredIssuer, { commonName: 'AWS IoT Certificate', usage: 'client' });
    const stranger = await issueCertificate(unregisteredIssuer, { commonName: 'x509-sha256', usage: 'client' });

    await t.sdk.call(owner, 'create', {
      deviceId: 'x509-sha256',
      authentication: { x509Thumbprint: { primaryThumbprint: thumbprint(first, 'sha256').toUpperCase(), secondaryThumbprint: thumbprint(second, 'sha256') } },
    });
    await t.sdk.call(owner, 'create', { deviceId: 'x509-sha1', authentication: { x509Thumbprint: { primaryThumbprint: thumbprint(first, 'sha1') } } });

    const primary = await t.openDevice(x509ConnectionString('x509-sha256'), credentials(first));
    expect(connectedIds()).toContain('x509-sha256');
    await primary.close();
    await (await t.openDevice(x509ConnectionString('x509-sha256'), credentials(second))).close();
    await (await t.openDevice(x509ConnectionString('x509-sha1'), credentials(first))).close();

    expect((await t.refusal(x509ConnectionString('x509-sha256'), credentials(stranger))).name).toBe('UnauthorizedError');
    expect((await t.refusal(x509ConnectionString('x509-sha1'), credentials(second))).name).toBe('UnauthorizedError');
  });

  it('accepts a certificate from a verified CA of the hub when its CN is the device ID, and nothing else', async () => {
    const verifiedCa = await createCertificateAuthority('Example Corp device CA');
    const unverifiedCa = await createCertificateAuthority('Unverified device CA');
    t.hub.registerCertificateAuthority({ name: 'example-corp', certificatePem: verifiedCa.certificatePem });
    t.hub.registerCertificateAuthority({ name: 'unverified', certificatePem: unverifiedCa.certificatePem, verified: false });
    await t.sdk.call(owner, 'create', { deviceId: 'ca-1', authentication: { type: 'certificateAuthority' } });

    const own = await issueCertificate(verifiedCa, { commonName: 'ca-1', usage: 'client' });
    await (await t.openDevice(x509ConnectionString('ca-1'), credentials(own))).close();

    const otherName = await issueCertificate(verifiedCa, { commonName: 'ca-2', usage: 'client' });
    const fromUnverified = await issueCertificate(unverifiedCa, { commonName: 'ca-1', usage: 'client' });
    const fromUnregistered = await issueCertificate(unregisteredIssuer, { commonName: 'ca-1', usage: 'client' });
    for (const refused of [otherName, fromUnverified, fromUnregistered]) {
      expect((await t.refusal(x509ConnectionString('ca-1'), credentials(refused))).name).toBe('UnauthorizedError');
    }
  });

  it('refuses a wrong SAS key, a disabled device, and a client ID that is not the device ID; drops a device when it is disabled', async () => {
    const connectionString = await createSasDevice('sas-1');
    const wrongKey = connectionString.replace(/SharedAccessKey=.*$/, `SharedAccessKey=${Buffer.alloc(32, 1).toString('base64')}`);
    expect((await t.refusal(wrongKey)).name).toBe('UnauthorizedError');
    expect((await t.refusal(await createSasDevice('sas-disabled', { status: 'disabled' }))).name).toBe('UnauthorizedError');

    // mqtt.js, because the SDK always sends the device ID as client ID.
    const { SharedAccessKey: key } = Object.fromEntries(connectionString.split(';').map((part) => part.split(/=(.*)/s).slice(0, 2))) as { SharedAccessKey: string };
    const token = deviceSdk.SharedAccessSignature.create(t.host, 'sas-1', key, Math.floor(Date.now() / 1000) + 600).toString();
    const mqttOptions = (clientId: string) => ({
      clientId,
      username: `${t.host}/sas-1/?api-version=2021-04-12`,
      password: token,
      ca: t.rootCa.certificatePem,
      protocolVersion: 4 as const,
      reconnectPeriod: 0,
    });
    await expect(connectAsync(`mqtts://${t.host}:${t.hub.mqttPort}`, mqttOptions('sas-2'))).rejects.toThrow(/Not authorized/);
    const asItself: MqttClient = await connectAsync(`mqtts://${t.host}:${t.hub.mqttPort}`, mqttOptions('sas-1'));
    await asItself.endAsync();

    // The SDK itself does not report a drop unless a feature makes it reconnect; the hub's
    // registry and its list of connections show it.
    await t.openDevice(connectionString);
    expect(connectedIds()).toContain('sas-1');
    const device = await t.sdk.call<Device>(owner, 'get', 'sas-1');
    await t.sdk.call(owner, 'update', { ...device, status: 'disabled' });
    expect((await eventually(() => t.hub.getDevice('sas-1')!, (current) => current.connectionState === 'Disconnected')).connectionState).toBe('Disconnected');
    expect(connectedIds()).not.toContain('sas-1');
  });
});
