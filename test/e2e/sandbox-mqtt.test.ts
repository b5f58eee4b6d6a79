import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { iot, iotshadow, mqtt as crt } from 'aws-iot-device-sdk-v2';
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAwsBroker, type AwsBroker } from '../../src/sandbox/aws/broker/start-aws-broker.js';
import { EstateStore } from '../../src/sandbox/aws/estate-store.js';
import { seedAwsEstate } from '../../src/sandbox/aws/seed-estate.js';
import { createCertificateAuthority, issueCertificate } from '../../src/sandbox/pki.js';
import { uniqueLoopbackHost } from '../support/loopback.js';

/** The slice of aws-iot-device-sdk (v1, untyped CommonJS) this test drives. */
interface ThingShadowV1 {
  on(event: 'connect', listener: () => void): void;
  on(
    event: 'status',
    listener: (thingName: string, status: 'accepted' | 'rejected', clientToken: string, document: ShadowDocument) => void,
  ): void;
  register(thingName: string, options: object, callback: () => void): void;
  get(thingName: string): string | null;
  end(force: boolean, callback: () => void): void;
}
interface AwsIotDeviceSdkV1 {
  thingShadow(options: {
    keyPath: string;
    certPath: string;
    caPath: string;
    clientId: string;
    host: string;
    port: number;
    protocol: 'mqtts';
    servername: string;
  }): ThingShadowV1;
}
const awsIotV1 = createRequire(import.meta.url)('aws-iot-device-sdk') as AwsIotDeviceSdkV1;

type ShadowDocument = Record<string, unknown>;

interface Device {
  thingName: string;
  certPath: string;
  keyPath: string;
}

let tempDir: string;
let host: string;
let caPath: string;
let rootCaPem: string;
let store: EstateStore;
let broker: AwsBroker;
/** Things with a certificate of their own that is ACTIVE. */
let active: Device[];
let revoked: Device;
const openClients = new Set<MqttClient>();

const device = (thingName: string): Device => ({
  thingName,
  certPath: join(tempDir, 'devices', thingName, 'certificate.pem.crt'),
  keyPath: join(tempDir, 'devices', thingName, 'private.pem.key'),
});

beforeAll(async () => {
  tempDir = await mkdtemp(join(tmpdir(), 'iotmigrate-sandbox-mqtt-'));
  const [root, awsIssuer, registeredCa] = await Promise.all([
    createCertificateAuthority('test root CA'),
    createCertificateAuthority('test AWS issuing CA'),
    createCertificateAuthority('test registered CA'),
  ]);
  const estate = await seedAwsEstate({
    things: 12,
    seed: 1,
    region: 'us-east-1',
    awsIssuer,
    registeredCa,
    devicesDir: join(tempDir, 'devices'),
    anomalies: true,
  });
  store = EstateStore.inMemory(estate);
  host = uniqueLoopbackHost();
  caPath = join(tempDir, 'root-ca.pem');
  rootCaPem = root.certificatePem;
  await writeFile(caPath, rootCaPem);
  const serverCertificate = await issueCertificate(root, { commonName: host, ipAddresses: [host], usage: 'server' });
  broker = await startAwsBroker({ store, host, port: 0, serverCertificate });

  // Only things that were issued a certificate of their own have a device directory.
  const withOwnCertificate = Object.keys(estate.things)
    .sort()
    .filter((thingName) => existsSync(device(thingName).certPath))
    .map(device);
  const statusOf = (thing: Device) => store.certificateByArn(estate.thingPrincipals[thing.thingName]![0]!)!.status;
  active = withOwnCertificate.filter((thing) => statusOf(thing) === 'ACTIVE');
  revoked = withOwnCertificate.find((thing) => statusOf(thing) === 'REVOKED')!;
  expect(active.length).toBeGreaterThanOrEqual(4);
  expect(revoked).toBeDefined();
}, 60_000);

afterAll(async () => {
  await Promise.all([...openClients].map((client) => client.endAsync(true)));
  await broker?.close();
  if (tempDir) await rm(tempDir, { recursive: true, force: true });
});

/** A device's own certificate and key, as it would read them from its files. */
async function credentialsOf(thing: Device): Promise<{ cert: string; key: string }> {
  return { cert: await readFile(thing.certPath, 'utf8'), key: await readFile(thing.keyPath, 'utf8') };
}

function mqttOptions(credentials: { cert?: string; key?: string }, clientId: string): IClientOptions {
  return {
    ...credentials,
    ca: rootCaPem,
    clientId,
    protocolVersion: 4,
    rejectUnauthorized: true,
    reconnectPeriod: 0,
    connectTimeout: 10_000,
  };
}

async function connectMqttJs(options: IClientOptions): Promise<MqttClient> {
  const client = await connectAsync(`mqtts://${host}:${broker.port}`, options);
  openClients.add(client);
  return client;
}

/** Resolves with the first message on `topic` whose JSON payload passes `match`; listen before publishing. */
function nextMessage(
  client: MqttClient,
  topic: string,
  match: (payload: ShadowDocument) => boolean = () => true,
): Promise<ShadowDocument> {
  return new Promise((resolve) => {
    const onMessage = (received: string, payload: Buffer) => {
      if (received !== topic) return;
      const body = JSON.parse(payload.toString()) as ShadowDocument;
      if (!match(body)) return;
      client.off('message', onMessage);
      resolve(body);
    };
    client.on('message', onMessage);
  });
}

const withToken = (clientToken: string) => (payload: ShadowDocument) => payload.clientToken === clientToken;

describe('sandbox AWS IoT broker', () => {
  it('serves the classic and named shadows and plain pub/sub to mqtt.js', async () => {
    const [alpha, beta] = [active[0]!, active[1]!];
    const a = await connectMqttJs(mqttOptions(await credentialsOf(alpha), alpha.thingName));
    const b = await connectMqttJs(mqttOptions(await credentialsOf(beta), beta.thingName));
    expect(broker.connectedClients()).toEqual(expect.arrayContaining([alpha.thingName, beta.thingName]));
    const shadow = `$aws/things/${alpha.thingName}/shadow`;
    const seeded = structuredClone(store.estate.shadows[alpha.thingName]!);

    await a.subscribeAsync([`${shadow}/get/+`, `${shadow}/update/+`, `${shadow}/name/config/get/+`], { qos: 1 });
    // Another device may watch alpha's shadow: it must see the service's answers, never the raw requests.
    const seenByBeta: string[] = [];
    b.on('message', (topic) => seenByBeta.push(topic));
    await b.subscribeAsync(`${shadow}/#`, { qos: 1 });

    const got = nextMessage(a, `${shadow}/get/accepted`, withToken('get-1'));
    await a.publishAsync(`${shadow}/get`, JSON.stringify({ clientToken: 'get-1' }), { qos: 1 });
    expect(await got).toMatchObject({ state: seeded['']!.state, version: seeded['']!.version, clientToken: 'get-1' });

    const accepted = nextMessage(a, `${shadow}/update/accepted`, withToken('reported-1'));
    const documents = nextMessage(a, `${shadow}/update/documents`);
    const reportedUpdate = { state: { reported: { temperature: 21.5 } }, clientToken: 'reported-1' };
    await a.publishAsync(`${shadow}/update`, JSON.stringify(reportedUpdate), { qos: 1 });
    expect(await accepted).toMatchObject({ state: { reported: { temperature: 21.5 } }, version: 2 });
    expect(await documents).toMatchObject({
      previous: { version: 1, state: { reported: { temperature: seeded['']!.state.reported!.temperature } } },
      current: { version: 2, state: { reported: { temperature: 21.5 } } },
    });
    expect(store.estate.shadows[alpha.thingName]!['']!.state.reported).toMatchObject({ temperature: 21.5 });

    const delta = nextMessage(a, `${shadow}/update/delta`);
    const desiredUpdate = { state: { desired: { setpoint: 25 } }, clientToken: 'desired-1' };
    await a.publishAsync(`${shadow}/update`, JSON.stringify(desiredUpdate), { qos: 1 });
    expect(await delta).toMatchObject({ state: { setpoint: 25 }, version: 3, clientToken: 'desired-1' });

    const named = nextMessage(a, `${shadow}/name/config/get/accepted`);
    await a.publishAsync(`${shadow}/name/config/get`, '', { qos: 0 });
    expect(await named).toMatchObject({ state: seeded['config']!.state, version: 1 });

    const rejected = nextMessage(a, `${shadow}/update/rejected`, withToken('stale'));
    const staleUpdate = { state: { reported: { temperature: 0 } }, version: 1, clientToken: 'stale' };
    await a.publishAsync(`${shadow}/update`, JSON.stringify(staleUpdate), { qos: 1 });
    expect(await rejected).toMatchObject({ code: 409, message: 'Version conflict', timestamp: expect.any(Number) });

    const telemetryTopic = `dt/thermostat/${alpha.thingName}/telemetry`;
    await b.subscribeAsync('dt/+/+/telemetry', { qos: 1 });
    const telemetry = new Promise<string>((resolve) =>
      b.on('message', (topic, payload) => topic === telemetryTopic && resolve(payload.toString())),
    );
    await a.publishAsync(telemetryTopic, JSON.stringify({ temperature: 21.5 }), { qos: 1 });
    expect(JSON.parse(await telemetry)).toEqual({ temperature: 21.5 });

    expect(seenByBeta).toContain(`${shadow}/update/accepted`);
    expect(seenByBeta).toContain(`${shadow}/update/delta`);
    expect(seenByBeta.filter((topic) => /\/(get|update|delete)$/.test(topic))).toEqual([]);

    // Publishing to another thing's shadow is outside the device's policy: AWS disconnects it.
    const closed = new Promise<void>((resolve) => b.once('close', resolve));
    b.publish(`${shadow}/update`, JSON.stringify({ state: { desired: { setpoint: 99 } } }), { qos: 0 });
    await closed;
    expect(store.estate.shadows[alpha.thingName]!['']!.state.desired).toEqual({ ...seeded['']!.state.desired, setpoint: 25 });
    await a.endAsync();
  });

  it('serves the shadow to aws-iot-device-sdk-v2 over MQTT 3.1.1', async () => {
    const thing = active[2]!;
    const config = iot.AwsIotMqttConnectionConfigBuilder.new_mtls_builder_from_path(thing.certPath, thing.keyPath)
      .with_certificate_authority_from_path(undefined, caPath)
      .with_client_id(thing.thingName)
      .with_endpoint(host)
      .with_port(broker.port)
      .with_clean_session(true)
      .build();
    const connection = new crt.MqttClient().new_connection(config);
    await connection.connect();
    try {
      expect(broker.connectedClients()).toContain(thing.thingName);
      const shadowClient = new iotshadow.IotShadowClient(connection);
      const qos = crt.QoS.AtLeastOnce;
      const { thingName } = thing;

      let onGet!: (response: iotshadow.model.GetShadowResponse | undefined) => void;
      const got = new Promise<iotshadow.model.GetShadowResponse | undefined>((resolve) => (onGet = resolve));
      await shadowClient.subscribeToGetShadowAccepted({ thingName }, qos, (_error, response) => onGet(response));
      await shadowClient.publishGetShadow({ thingName, clientToken: 'crt-get' }, qos);
      const response = await got;
      expect(response?.clientToken).toBe('crt-get');
      expect(response?.state?.reported).toEqual(store.estate.shadows[thingName]!['']!.state.reported);

      let onUpdate!: (response: iotshadow.model.UpdateShadowResponse | undefined) => void;
      const updated = new Promise<iotshadow.model.UpdateShadowResponse | undefined>((resolve) => (onUpdate = resolve));
      await shadowClient.subscribeToUpdateShadowAccepted({ thingName }, qos, (_error, response) => onUpdate(response));
      const reported = { firmwareVersion: '1.2.0' };
      await shadowClient.publishUpdateShadow({ thingName, state: { reported }, clientToken: 'crt-update' }, qos);
      expect(await updated).toMatchObject({ clientToken: 'crt-update', version: 2, state: { reported } });
      expect(store.estate.shadows[thingName]!['']!.state.reported).toMatchObject({ firmwareVersion: '1.2.0' });
    } finally {
      await connection.disconnect();
    }
  }, 60_000);

  it('serves the shadow to aws-iot-device-sdk v1', async () => {
    // A device of the customer's registered CA, so both issuers are exercised.
    const issuedByRegisteredCa = (candidate: Device) =>
      store.certificateByArn(store.estate.thingPrincipals[candidate.thingName]![0]!)!.caCertificateId !== undefined;
    const thing = active.find(issuedByRegisteredCa)!;
    expect(thing).toBeDefined();
    const shadows = awsIotV1.thingShadow({
      keyPath: thing.keyPath,
      certPath: thing.certPath,
      caPath,
      clientId: thing.thingName,
      host,
      port: broker.port,
      protocol: 'mqtts',
      // An IP host as SNI draws Node's DEP0123 warning; AWS endpoints are names, so no SNI is lost.
      servername: '',
    });
    try {
      await new Promise<void>((resolve) => shadows.on('connect', resolve));
      await new Promise<void>((resolve) => shadows.register(thing.thingName, {}, resolve));
      const status = new Promise<{ status: string; document: ShadowDocument; clientToken: string }>((resolve) =>
        shadows.on('status', (_thingName, status, clientToken, document) => resolve({ status, document, clientToken })),
      );
      const clientToken = shadows.get(thing.thingName);
      const answer = await status;
      expect(answer).toMatchObject({ status: 'accepted', clientToken });
      const seeded = store.estate.shadows[thing.thingName]!['']!;
      expect(answer.document).toMatchObject({ state: { reported: seeded.state.reported }, version: seeded.version });
    } finally {
      await new Promise<void>((resolve) => shadows.end(true, resolve));
    }
  });

  it('refuses a revoked certificate, a certificate of another thing, an unregistered CA and no certificate', async () => {
    const [alpha, beta] = [active[0]!, active[1]!];
    const stranger = await createCertificateAuthority('unregistered CA');
    const strangerCertificate = await issueCertificate(stranger, { commonName: alpha.thingName, usage: 'client' });
    const attempts = {
      revoked: mqttOptions(await credentialsOf(revoked), revoked.thingName),
      'another thing': mqttOptions(await credentialsOf(alpha), beta.thingName),
      'unregistered CA': mqttOptions(
        { cert: strangerCertificate.certificatePem, key: strangerCertificate.privateKeyPem },
        alpha.thingName,
      ),
      'no certificate': mqttOptions({}, alpha.thingName),
    };
    for (const [name, options] of Object.entries(attempts)) {
      await expect(connectMqttJs(options), name).rejects.toMatchObject({ code: 5, message: 'Connection refused: Not authorized' });
    }
    expect(broker.connectedClients()).not.toContain(revoked.thingName);
  });
});
