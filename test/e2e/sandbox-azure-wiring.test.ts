import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import deviceSdk from 'azure-iot-device';
import { Mqtt } from 'azure-iot-device-mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pemToDer } from '../../src/sandbox/pki.js';
import { describeSandboxStatus } from '../../src/sandbox/sandbox-status.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/start-sandbox.js';
import { ServiceSdk } from '../support/azure-service-sdk.js';
import { uniqueLoopbackHost } from '../support/loopback.js';

/**
 * The hub as `startSandbox` runs it beside the AWS half: reached through the environment
 * `sandbox env` prints, with the estate's own devices coming over to it under their AWS
 * names and certificates.
 */
let work: string;
let sandbox: Sandbox;
let sdk: ServiceSdk;
const hubHost = uniqueLoopbackHost();

const options = () => ({ stateDir: join(work, 'state'), host: uniqueLoopbackHost(), hubHost, things: 10, seed: 7 });

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'iotmigrate-sbx-hub-'));
  sandbox = await startSandbox(options());
  sdk = new ServiceSdk(sandbox.env.NODE_EXTRA_CA_CERTS!);
}, 60_000);

afterAll(async () => {
  await sdk?.close();
  await sandbox?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

/** A seeded thing's certificate and key, as the device holds them. */
async function deviceFiles(thingName: string): Promise<{ cert: string; key: string }> {
  const dir = join(sandbox.stateDir, 'devices', thingName);
  return { cert: await readFile(join(dir, 'certificate.pem.crt'), 'utf8'), key: await readFile(join(dir, 'private.pem.key'), 'utf8') };
}

async function connect(thingName: string): Promise<void> {
  const client = deviceSdk.Client.fromConnectionString(`HostName=${sandbox.env.IOTHUB_HOSTNAME!};DeviceId=${thingName};x509=true`, Mqtt);
  client.on('error', () => {});
  await client.setOptions({ ...(await deviceFiles(thingName)), ca: sandbox.cas.root.certificatePem });
  try {
    await client.open();
  } finally {
    await client.close();
  }
}

describe('the sandbox with its Azure IoT Hub', () => {
  it('exports the iothubowner connection string and host name, and lets seeded devices connect with their own certificates', async () => {
    expect(sandbox.env).toMatchObject({
      IOTHUB_HOSTNAME: hubHost,
      IOTHUB_CONNECTION_STRING: expect.stringMatching(new RegExp(`^HostName=${hubHost.replace(/\./g, '\\.')};SharedAccessKeyName=iothubowner;SharedAccessKey=`)),
    });
    const connectionString = sandbox.env.IOTHUB_CONNECTION_STRING!;
    const things = Object.values(sandbox.store.estate.things).map((thing) => thing.thingName);
    const certificateOf = (thingName: string) => sandbox.store.certificateByArn(sandbox.store.estate.thingPrincipals[thingName]![0]!)!;
    const caIssued = things.find((name) => sandbox.store.estate.thingPrincipals[name] && certificateOf(name).caCertificateId)!;
    const awsIssued = things.find((name) => sandbox.store.estate.thingPrincipals[name] && !certificateOf(name).caCertificateId)!;

    // What `apply --stage identities` will do: the CA-issued device by its CA (registered
    // on the hub by the sandbox), the AWS-issued one by the thumbprint of its certificate.
    const thumbprint = createHash('sha256').update(pemToDer(certificateOf(awsIssued).certificatePem)).digest('hex');
    const result = await sdk.call(connectionString, 'addDevices', [
      { deviceId: caIssued, authentication: { type: 'certificateAuthority' } },
      { deviceId: awsIssued, authentication: { x509Thumbprint: { primaryThumbprint: thumbprint, secondaryThumbprint: thumbprint } } },
    ]);
    expect(result).toMatchObject({ isSuccessful: true });
    await connect(caIssued);
    await connect(awsIssued);
    expect(sandbox.hub.getDevice(awsIssued)?.lastActivityTime).not.toBe('0001-01-01T00:00:00Z');
  });

  it('shows the hub in `sandbox status`', async () => {
    const status = await describeSandboxStatus(sandbox.stateDir);
    expect(status.record).toMatchObject({
      hubName: 'iotmigrate-sandbox',
      endpoints: { iotHubHostName: hubHost, iotHubHttpsPort: 443, iotHubMqttPort: 8883 },
      answering: { hubHttps: true, hubMqtt: true },
    });
    expect(status.lines.join('\n')).toContain(`Azure IoT Hub iotmigrate-sandbox  https://${hubHost}:443  answering`);
  });

  it('keeps the hub registry and keys in the state dir across stop and start', async () => {
    const before = sandbox.env.IOTHUB_CONNECTION_STRING;
    const devices = sandbox.hub.listDeviceIds();
    await sandbox.stop();
    sandbox = await startSandbox(options());
    expect(sandbox.seeded).toBe(false);
    expect(sandbox.env.IOTHUB_CONNECTION_STRING).toBe(before);
    expect(sandbox.hub.listDeviceIds()).toEqual(devices);
    expect(await sdk.call<unknown[]>(before!, 'list')).toHaveLength(devices.length);
  });
});
