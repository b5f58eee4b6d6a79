import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueCertificate } from '../../src/sandbox/pki.js';
import { eventually } from '../support/eventually.js';
import { startTestHub, type TestHub } from '../support/azure-hub-fixture.js';

const MAIN = fileURLToPath(new URL('../../fixtures/firmware-repos-rewritten/thermostat-v2/src/main.ts', import.meta.url));
const DEVICE_ID = 'thermostat-rewrite-1';
const API = '?api-version=2021-04-12';

/**
 * The rewritten default firmware (fixtures/firmware-repos-rewritten/thermostat-v2) run
 * against the sandbox IoT Hub with the real Azure device SDK: connects with its own
 * X.509 certificate, sends telemetry with the AWS topic as `mqtt-topic`, reports its
 * state to the twin, and takes a cloud-to-device setpoint and a desired setpoint. The
 * device runs in a child process, because it trusts the hub's CA the way the rewritten
 * firmware expects, through NODE_EXTRA_CA_CERTS.
 */
let t: TestHub;
let dir: string;
let device: ChildProcess | undefined;

beforeAll(async () => {
  t = await startTestHub();
  dir = await mkdtemp(join(tmpdir(), 'iotmigrate-rewrite-behaviour-'));
  const certificate = await issueCertificate(t.rootCa, { commonName: DEVICE_ID, usage: 'client' });
  await writeFile(join(dir, 'device.crt'), certificate.certificatePem);
  await writeFile(join(dir, 'device.key'), certificate.privateKeyPem);
  await writeFile(join(dir, 'root-ca.pem'), t.rootCa.certificatePem);
  const thumbprint = createHash('sha256').update(new X509Certificate(certificate.certificatePem).raw).digest('hex').toUpperCase();
  const created = await t.rest('PUT', `/devices/${DEVICE_ID}${API}`, {
    json: { deviceId: DEVICE_ID, authentication: { type: 'selfSigned', x509Thumbprint: { primaryThumbprint: thumbprint, secondaryThumbprint: thumbprint } } },
  });
  expect(created.status).toBe(200);
}, 30_000);

afterAll(async () => {
  if (device !== undefined && device.exitCode === null) {
    const exited = new Promise((resolve) => device!.once('exit', resolve));
    device.kill('SIGTERM');
    await exited;
  }
  await t?.close();
  await rm(dir, { recursive: true, force: true });
});

const reported = (): Record<string, unknown> => (t.hub.getTwin(DEVICE_ID) as { properties: { reported: Record<string, unknown> } }).properties.reported;
const readings = (): Array<{ setpoint: number }> => t.hub.events({ deviceId: DEVICE_ID }).map((event) => JSON.parse(event.body.toString('utf8')) as { setpoint: number });

describe('the rewritten thermostat firmware on the IoT Hub sandbox', () => {
  it('connects with its certificate, sends telemetry and reports, and takes commands and desired state', async () => {
    const options = {
      thingName: DEVICE_ID,
      endpoint: t.host,
      port: 8883,
      certPath: join(dir, 'device.crt'),
      keyPath: join(dir, 'device.key'),
      caPath: join(dir, 'AmazonRootCA1.pem'),
      firmwareVersion: '2.0.0-azure',
      telemetryIntervalMs: 100,
    };
    const script = `
      const { start } = await import(${JSON.stringify(MAIN)});
      const running = await start(${JSON.stringify(options)});
      process.stdout.write('started\\n');
      process.once('SIGTERM', () => running.stop().then(() => process.exit(0)));`;
    device = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: join(dir, 'root-ca.pem') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    device.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));

    const first = await eventually(() => t.hub.events({ deviceId: DEVICE_ID })[0], `telemetry (device stderr: ${stderr})`);
    expect(first.properties['mqtt-topic']).toBe(`dt/thermostat/${DEVICE_ID}/telemetry`);
    expect(first.systemProperties['content-type']).toBe('application/json');
    expect(JSON.parse(first.body.toString('utf8'))).toMatchObject({ setpoint: 21, heating: true });
    await eventually(() => (reported().firmwareVersion === '2.0.0-azure' ? true : undefined), 'the reported firmware version');

    const sent = t.hub.sendCloudToDevice(DEVICE_ID, JSON.stringify({ setpoint: 25 }), { properties: { 'mqtt-topic': `cmd/thermostat/${DEVICE_ID}/setpoint` } });
    expect(sent.delivered).toBe(true);
    await eventually(() => (readings().at(-1)?.setpoint === 25 ? true : undefined), 'telemetry with the commanded setpoint');

    const patched = await t.rest('PATCH', `/twins/${DEVICE_ID}${API}`, { json: { properties: { desired: { setpoint: 18 } } }, headers: { 'if-match': '*' } });
    expect(patched.status).toBe(200);
    await eventually(() => (reported().setpoint === 18 ? true : undefined), 'the desired setpoint reported back');
  });
});
