import { createHash, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateJobCommand, DescribeJobExecutionCommand, IoTClient } from '@aws-sdk/client-iot';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import iothub from 'azure-iothub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packSignedBundle, type SignedBundle } from '../../src/ota/bundle.js';
import { presignedUrlPlaceholder } from '../../src/ota/cutover-job-document-for-plan.js';
import { CUTOVER_OPERATION, type CutoverJobDocument } from '../../src/ota/cutover-job-document.js';
import { readSigningKey } from '../../src/ota/signing-key.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/start-sandbox.js';
import { readSlots } from '../../src/sim-devices/slots.js';
import { eventually } from '../support/eventually.js';
import { uniqueLoopbackHost } from '../support/loopback.js';

/**
 * The simulated fleet's update agent against the whole sandbox, with the real SDKs on
 * the operator's side: a cutover job made with @aws-sdk/client-iot whose bundle (the
 * rewritten thermostat firmware, packed and signed as apply packs it) sits in S3. Each
 * device meets a different fate: switched to IoT Hub, refused a tampered bundle, rolled
 * back from a hub that does not know it, or declined the job on a low battery.
 */
const REWRITTEN = fileURLToPath(new URL('../../fixtures/firmware-repos-rewritten/thermostat-v2', import.meta.url));
const NEW_VERSION = '2.0.0';
const BUCKET = 'ota-bundles';
const CONNECT_TIMEOUT_SECONDS = 8;

let work: string;
let sandbox: Sandbox;
let things: string[];
let iot: IoTClient;
let bundle: SignedBundle;
const host = uniqueLoopbackHost();
let hubHost = uniqueLoopbackHost();
while (hubHost === host) hubHost = uniqueLoopbackHost();

// Five devices, five fates.
const fate = () => {
  const [switchA, switchB, rollBack, tampered, lowBattery] = things as [string, string, string, string, string];
  return { switchA, switchB, rollBack, tampered, lowBattery };
};

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'iotmigrate-fleet-'));
  const stateDir = join(work, 'state');
  // Seed first, without a fleet, to learn the thing names for the battery profile.
  const seeding = await startSandbox({ stateDir, host, hubHost, things: 5, seed: 11, anomalies: false });
  things = Object.keys(seeding.store.estate.things).sort();
  await seeding.stop();
  await writeFile(join(stateDir, 'fleet.json'), JSON.stringify({ devices: { [fate().lowBattery]: { batteryPercent: 12 } } }));
  sandbox = await startSandbox({ stateDir, host, hubHost, fleet: { telemetryIntervalMs: 1_000 } });
  Object.assign(process.env, sandbox.env);
  iot = new IoTClient({});

  // Hub identities as apply's identities stage makes them: same ID, the certificate's thumbprint. Not for rollBack.
  for (const thing of things.filter((name) => name !== fate().rollBack)) await registerOnHub(thing);

  const key = (await readSigningKey(sandbox.firmwareSigningKeyFile))!;
  bundle = await packSignedBundle(REWRITTEN, key);
  const s3 = new S3Client({ requestHandler: { httpsAgent: new Agent({ ca: sandbox.cas.root.certificatePem }) } });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'fw/good.tar.gz', Body: bundle.data }));
  const tampered = Buffer.from(bundle.data);
  tampered[tampered.length >> 1]! ^= 0xff;
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'fw/tampered.tar.gz', Body: tampered }));
  s3.destroy();
}, 120_000);

afterAll(async () => {
  iot?.destroy();
  await sandbox?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

async function registerOnHub(deviceId: string): Promise<void> {
  const pem = await readFile(join(sandbox.stateDir, 'devices', deviceId, 'certificate.pem.crt'), 'utf8');
  const thumbprint = createHash('sha256').update(new X509Certificate(pem).raw).digest('hex').toUpperCase();
  const connection = iothub.ConnectionString.parse(sandbox.hub.connectionString);
  const token = iothub.SharedAccessSignature.create(hubHost, connection.SharedAccessKeyName!, connection.SharedAccessKey!, Math.floor(Date.now() / 1000) + 600);
  const body = JSON.stringify({ deviceId, authentication: { type: 'selfSigned', x509Thumbprint: { primaryThumbprint: thumbprint, secondaryThumbprint: thumbprint } } });
  const status = await new Promise<number>((resolve, reject) => {
    const outgoing = request(
      {
        host: hubHost,
        port: sandbox.hub.httpsPort,
        method: 'PUT',
        path: `/devices/${deviceId}?api-version=2021-04-12`,
        ca: sandbox.cas.root.certificatePem,
        agent: false,
        headers: { authorization: token.toString(), 'content-type': 'application/json; charset=utf-8' },
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
  expect(status).toBe(200);
}

function cutoverDocument(objectKey: string): CutoverJobDocument {
  return {
    operation: CUTOVER_OPERATION,
    schemaVersion: 1,
    firmware: {
      version: NEW_VERSION,
      url: presignedUrlPlaceholder(sandbox.region, BUCKET, objectKey),
      sha256: bundle.sha256,
      size: bundle.size,
      signature: bundle.signature,
      signingKeyId: createHash('sha256').update('unused').digest('hex'),
      entryPoint: 'src/main.ts',
    },
    azure: { hostName: sandbox.endpoints.iotHubHostName, deviceIds: {} },
    connectTimeoutSeconds: CONNECT_TIMEOUT_SECONDS,
  };
}

async function createCutoverJob(jobId: string, targets: string[], objectKey: string): Promise<void> {
  const document = cutoverDocument(objectKey);
  document.firmware.signingKeyId = (await readSigningKey(sandbox.firmwareSigningKeyFile))!.keyId;
  await iot.send(
    new CreateJobCommand({
      jobId,
      targets: targets.map((thing) => sandbox.store.estate.things[thing]!.thingArn),
      document: JSON.stringify(document),
      presignedUrlConfig: { roleArn: 'arn:aws:iam::123456789012:role/ota-presign', expiresInSec: 3600 },
    }),
  );
}

const terminal = new Set(['SUCCEEDED', 'FAILED', 'REJECTED', 'TIMED_OUT', 'CANCELED', 'REMOVED']);
async function finalExecution(jobId: string, thingName: string, timeoutMs = 60_000) {
  let last: Awaited<ReturnType<typeof describe>> | undefined;
  async function describe() {
    return (await iot.send(new DescribeJobExecutionCommand({ jobId, thingName }))).execution;
  }
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    last = await describe();
    if (last?.status && terminal.has(last.status)) return last;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`job ${jobId} on ${thingName} did not finish: ${JSON.stringify(last)}`);
}

const reportedVersion = (deviceId: string) =>
  (sandbox.hub.getTwin(deviceId) as { properties?: { reported?: { firmwareVersion?: string } } } | undefined)?.properties?.reported?.firmwareVersion;

describe('the simulated fleet and its update agent', () => {
  it('boots every seeded device on AWS: firmware and agent connected, factory version in the shadow', () => {
    expect(sandbox.fleet!.status()).toMatchObject({ devices: 5, onAws: 5, onAzure: 0 });
    const clients = sandbox.awsClients();
    for (const thing of things) expect(clients).toEqual(expect.arrayContaining([thing, `${thing}-ota`]));
  });

  it('switches devices to IoT Hub, make before break: twin reports the new version, SUCCEEDED, AWS dropped', async () => {
    const { switchA, switchB } = fate();
    await createCutoverJob('cutover-good', [switchA, switchB], 'fw/good.tar.gz');
    for (const thing of [switchA, switchB]) {
      const execution = await finalExecution('cutover-good', thing);
      expect(execution).toMatchObject({ status: 'SUCCEEDED', statusDetails: { detailsMap: { step: 'switched', firmwareVersion: NEW_VERSION } } });
      expect(sandbox.hub.connectedDevices().map((device) => device.deviceId)).toContain(thing);
      expect(reportedVersion(thing)).toBe(NEW_VERSION);
      await eventually(() => (sandbox.awsClients().some((client) => client === thing || client === `${thing}-ota`) ? undefined : true), `${thing} off AWS`);
      expect(await readSlots(join(sandbox.stateDir, 'devices', thing))).toMatchObject({ active: 'b', b: { firmwareVersion: NEW_VERSION, cloud: 'azure' } });
    }
    await eventually(() => (sandbox.fleet!.status().onAzure === 2 ? true : undefined), 'the fleet counting two devices on Azure');
    expect(sandbox.fleet!.status().firmwareVersions[NEW_VERSION]).toBe(2);
  }, 90_000);

  it('refuses a tampered bundle: FAILED at verifying, still on AWS on its old firmware', async () => {
    const { tampered } = fate();
    await createCutoverJob('cutover-tampered', [tampered], 'fw/tampered.tar.gz');
    const execution = await finalExecution('cutover-tampered', tampered);
    expect(execution).toMatchObject({ status: 'FAILED', statusDetails: { detailsMap: { step: 'verifying' } } });
    expect(execution?.statusDetails?.detailsMap?.reason).toMatch(/SHA-256/);
    expect(sandbox.awsClients()).toEqual(expect.arrayContaining([tampered, `${tampered}-ota`]));
    expect(sandbox.hub.connectedDevices().map((device) => device.deviceId)).not.toContain(tampered);
    expect(await readSlots(join(sandbox.stateDir, 'devices', tampered))).toMatchObject({ active: 'a' });
  }, 60_000);

  it('rolls back when IoT Hub refuses the device: FAILED rolled-back with the reason, within the timeout, back on AWS', async () => {
    const { rollBack } = fate();
    const started = Date.now();
    await createCutoverJob('cutover-unknown-device', [rollBack], 'fw/good.tar.gz');
    const execution = await finalExecution('cutover-unknown-device', rollBack);
    expect(execution).toMatchObject({ status: 'FAILED', statusDetails: { detailsMap: { step: 'rolled-back' } } });
    expect(execution?.statusDetails?.detailsMap?.reason).toMatch(new RegExp(`not reached within ${CONNECT_TIMEOUT_SECONDS} s`));
    expect(Date.now() - started).toBeLessThan((CONNECT_TIMEOUT_SECONDS + 10) * 1000);
    expect(sandbox.awsClients()).toEqual(expect.arrayContaining([rollBack, `${rollBack}-ota`]));
    expect(await readSlots(join(sandbox.stateDir, 'devices', rollBack))).toMatchObject({ active: 'a' });
  }, 60_000);

  it('declines a job on a low battery: REJECTED with the reason', async () => {
    const { lowBattery } = fate();
    await createCutoverJob('cutover-battery', [lowBattery], 'fw/good.tar.gz');
    const execution = await finalExecution('cutover-battery', lowBattery);
    expect(execution).toMatchObject({ status: 'REJECTED', statusDetails: { detailsMap: { step: 'rejected' } } });
    expect(execution?.statusDetails?.detailsMap?.reason).toMatch(/battery low \(12% < 20%\)/);
    expect(sandbox.awsClients()).toEqual(expect.arrayContaining([lowBattery, `${lowBattery}-ota`]));
  }, 60_000);

  it('boots what each device last ran after a sandbox restart', async () => {
    await sandbox.stop();
    sandbox = await startSandbox({ stateDir: sandbox.stateDir, host, hubHost, fleet: { telemetryIntervalMs: 1_000 } });
    expect(sandbox.fleet!.status()).toMatchObject({ devices: 5, onAws: 3, onAzure: 2, firmwareVersions: { [NEW_VERSION]: 2 } });
    const { switchA } = fate();
    expect(sandbox.hub.connectedDevices().map((device) => device.deviceId)).toContain(switchA);
    expect(sandbox.awsClients()).not.toContain(switchA);
  }, 60_000);
});
