import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAwsBroker, type AwsBroker } from '../../src/sandbox/aws/broker/start-aws-broker.js';
import { CLASSIC_SHADOW } from '../../src/sandbox/aws/estate.js';
import { EstateStore } from '../../src/sandbox/aws/estate-store.js';
import { seedAwsEstate } from '../../src/sandbox/aws/seed-estate.js';
import { createCertificateAuthority, issueCertificate } from '../../src/sandbox/pki.js';
import { eventually } from '../support/eventually.js';
import { startTestHub, type TestHub } from '../support/azure-hub-fixture.js';
import { uniqueLoopbackHost } from '../support/loopback.js';

const ORIGINAL = fileURLToPath(new URL('../../fixtures/firmware-repos/thermostat-v2/src/main.ts', import.meta.url));
const REWRITTEN = fileURLToPath(new URL('../../fixtures/firmware-repos-rewritten/thermostat-v2/src/main.ts', import.meta.url));
const API = '?api-version=2021-04-12';
const FIRMWARE_VERSION = '1.4.2';

/**
 * The codemod keeps behaviour: the ORIGINAL default firmware runs against the AWS
 * sandbox (aws-iot-device-sdk-v2), the REWRITTEN one against the IoT Hub sandbox
 * (azure-iot-device), both as the same device with the same certificate and key, and
 * the cloud sees the same telemetry (topic, fields) and the same reported state.
 */
let dir: string;
let broker: AwsBroker;
let awsHost: string;
let store: EstateStore;
let hub: TestHub;
let thingName: string;
let observerName: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iotmigrate-parity-'));
  const [root, awsIssuer, registeredCa] = await Promise.all([
    createCertificateAuthority('parity root'),
    createCertificateAuthority('parity issuer'),
    createCertificateAuthority('parity customer CA'),
  ]);
  const devicesDir = join(dir, 'devices');
  const estate = await seedAwsEstate({ things: 2, seed: 3, region: 'us-east-1', awsIssuer, registeredCa, devicesDir, anomalies: false });
  [thingName, observerName] = Object.keys(estate.things).sort() as [string, string];
  // Only what the firmware itself reports should be in the shadow we compare.
  delete estate.shadows[thingName];
  store = EstateStore.inMemory(estate);
  awsHost = uniqueLoopbackHost();
  const serverCertificate = await issueCertificate(root, { commonName: awsHost, ipAddresses: [awsHost], usage: 'server' });
  broker = await startAwsBroker({ store, host: awsHost, port: 0, serverCertificate });
  await writeFile(join(dir, 'aws-root.pem'), root.certificatePem);

  hub = await startTestHub();
  await writeFile(join(dir, 'hub-root.pem'), hub.rootCa.certificatePem);
  const certificatePem = await readFile(join(devicesDir, thingName, 'certificate.pem.crt'), 'utf8');
  const thumbprint = createHash('sha256').update(new X509Certificate(certificatePem).raw).digest('hex').toUpperCase();
  const created = await hub.rest('PUT', `/devices/${thingName}${API}`, {
    json: { deviceId: thingName, authentication: { type: 'selfSigned', x509Thumbprint: { primaryThumbprint: thumbprint, secondaryThumbprint: thumbprint } } },
  });
  expect(created.status).toBe(200);
}, 60_000);

afterAll(async () => {
  await Promise.all(
    children
      .filter((child) => child.exitCode === null)
      .map((child) => {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        return exited;
      }),
  );
  await broker?.close();
  await hub?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Runs a firmware's `start(options)` in its own process, as a device would. */
function runFirmware(main: string, options: Record<string, unknown>, env: NodeJS.ProcessEnv): { stderr: () => string } {
  const script = `
    const { start } = await import(${JSON.stringify(main)});
    const running = await start(${JSON.stringify(options)});
    process.once('SIGTERM', () => running.stop().then(() => process.exit(0)));`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return { stderr: () => stderr };
}

const withoutTwinMetadata = (reported: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(reported).filter(([key]) => !key.startsWith('$')));

describe('the default firmware before and after the rewrite', () => {
  it('sends the same telemetry and reports the same state, on AWS and then on IoT Hub', async () => {
    const device = (name: string) => ({
      certPath: join(dir, 'devices', name, 'certificate.pem.crt'),
      keyPath: join(dir, 'devices', name, 'private.pem.key'),
    });

    const observer = await mqtt.connectAsync(`mqtts://${awsHost}:${broker.port}`, {
      clientId: observerName,
      cert: await readFile(device(observerName).certPath),
      key: await readFile(device(observerName).keyPath),
      ca: await readFile(join(dir, 'aws-root.pem')),
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    const awsTelemetry: Array<{ topic: string; body: Record<string, unknown> }> = [];
    observer.on('message', (topic, payload) => awsTelemetry.push({ topic, body: JSON.parse(payload.toString()) as Record<string, unknown> }));
    await observer.subscribeAsync('dt/thermostat/+/telemetry', { qos: 1 });

    const options = { thingName, port: 8883, caPath: join(dir, 'aws-root.pem'), firmwareVersion: FIRMWARE_VERSION, telemetryIntervalMs: 100, ...device(thingName) };
    const original = runFirmware(ORIGINAL, { ...options, endpoint: awsHost, port: broker.port }, {});
    const onAws = await eventually(() => awsTelemetry[0], `telemetry on AWS (firmware stderr: ${original.stderr()})`, 30_000);
    const awsReported = await eventually(
      () => store.estate.shadows[thingName]?.[CLASSIC_SHADOW]?.state.reported,
      `the shadow report on AWS (firmware stderr: ${original.stderr()})`,
      30_000,
    );
    await observer.endAsync();

    const rewritten = runFirmware(REWRITTEN, { ...options, endpoint: hub.host }, { NODE_EXTRA_CA_CERTS: join(dir, 'hub-root.pem') });
    const onAzure = await eventually(() => hub.hub.events({ deviceId: thingName })[0], `telemetry on IoT Hub (firmware stderr: ${rewritten.stderr()})`, 30_000);
    const twinReported = (): Record<string, unknown> =>
      withoutTwinMetadata((hub.hub.getTwin(thingName) as { properties: { reported: Record<string, unknown> } }).properties.reported);
    const azureReported = await eventually(() => (twinReported().firmwareVersion ? twinReported() : undefined), 'the twin report on IoT Hub', 30_000);

    expect(onAzure.properties['mqtt-topic']).toBe(onAws.topic);
    const azureBody = JSON.parse(onAzure.body.toString('utf8')) as Record<string, unknown>;
    expect(Object.keys(azureBody).sort()).toEqual(Object.keys(onAws.body).sort());
    expect(azureBody).toMatchObject({ setpoint: onAws.body.setpoint, heating: onAws.body.heating });

    expect(Object.keys(azureReported).sort()).toEqual(Object.keys(awsReported).sort());
    expect(azureReported).toMatchObject({ firmwareVersion: FIRMWARE_VERSION, setpoint: awsReported.setpoint });
    expect(awsReported).toMatchObject({ firmwareVersion: FIRMWARE_VERSION });
  }, 90_000);
});
