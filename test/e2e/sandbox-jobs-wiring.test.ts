import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { Agent, request as httpsGet } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateJobCommand, DescribeJobCommand, IoTClient } from '@aws-sdk/client-iot';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { connectAsync } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeSandboxStatus } from '../../src/sandbox/sandbox-status.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/start-sandbox.js';
import { uniqueLoopbackHost } from '../support/loopback.js';
import { runCli } from '../support/run-cli.js';

/**
 * Jobs and S3 as `startSandbox` runs them: clients built from nothing but the environment
 * `sandbox env` prints, one Jobs service behind the control plane and the broker, and
 * both jobs and bundles kept across a restart.
 */
let work: string;
let sandbox: Sandbox;
const host = uniqueLoopbackHost();
let hubHost = uniqueLoopbackHost();
while (hubHost === host) hubHost = uniqueLoopbackHost();
const options = () => ({ stateDir: join(work, 'state'), host, hubHost, things: 3, seed: 5, anomalies: false });

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'iotmigrate-sbx-jobs-'));
  sandbox = await startSandbox(options());
  // The SDKs read endpoint overrides when a client is built, as a user's `eval "$(iotmigrate sandbox env)"` sets them.
  Object.assign(process.env, sandbox.env);
}, 60_000);

/** NODE_EXTRA_CA_CERTS only works from a process's start, so this one hands the sandbox CA to its HTTPS clients itself. */
const trustSandboxCa = () => ({ ca: sandbox.cas.root.certificatePem });
const s3Client = () => new S3Client({ requestHandler: { httpsAgent: new Agent(trustSandboxCa()) } });

afterAll(async () => {
  await sandbox?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

function fetchBody(url: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    httpsGet(url, trustSandboxCa(), (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve(Buffer.concat(chunks)));
    })
      .on('error', reject)
      .end();
  });
}

describe('jobs and S3 in the running sandbox', () => {
  it('exports AWS_ENDPOINT_URL_S3, an HTTPS endpoint client-s3 reaches path-style given only the sandbox CA', async () => {
    expect(sandbox.env.AWS_ENDPOINT_URL_S3).toBe(`https://${host}:4567`);
    expect(sandbox.endpoints.s3Api).toBe(sandbox.env.AWS_ENDPOINT_URL_S3);
    const s3 = s3Client();
    await s3.send(new CreateBucketCommand({ Bucket: 'ota-bundles' }));
    await s3.send(new PutObjectCommand({ Bucket: 'ota-bundles', Key: 'fw/bundle.bin', Body: 'firmware 2.0.0' }));
    const got = await s3.send(new GetObjectCommand({ Bucket: 'ota-bundles', Key: 'fw/bundle.bin' }));
    expect(await got.Body!.transformToString()).toBe('firmware 2.0.0');
    s3.destroy();
    // The CLI reads the running sandbox's record, which this in-process one wrote too.
    const printed = await runCli(['sandbox', 'env', '--state-dir', sandbox.stateDir]);
    expect(printed.stdout).toContain(`export AWS_ENDPOINT_URL_S3='https://${host}:4567'`);
    const status = await describeSandboxStatus(sandbox.stateDir);
    expect(status.record?.answering).toMatchObject({ api: true, mqtt: true, s3: true });
    expect(status.lines.join('\n')).toContain(`S3           https://${host}:4567  answering`);
  });

  it('hands a job made on the control plane to a device on the broker, bundle URL and all', async () => {
    const thingName = Object.keys(sandbox.store.estate.things).sort()[0]!;
    const dir = join(sandbox.stateDir, 'devices', thingName);
    const device = await connectAsync(`mqtts://${host}:${sandbox.endpoints.mqttPort}`, {
      cert: await readFile(join(dir, 'certificate.pem.crt'), 'utf8'),
      key: await readFile(join(dir, 'private.pem.key'), 'utf8'),
      ca: sandbox.cas.root.certificatePem,
      clientId: thingName,
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    try {
      const notified = new Promise<Record<string, any>>((resolve) => device.on('message', (_topic, payload) => resolve(JSON.parse(payload.toString()))));
      await device.subscribeAsync(`$aws/things/${thingName}/jobs/notify-next`, { qos: 1 });
      const iot = new IoTClient({});
      await iot.send(
        new CreateJobCommand({
          jobId: 'migrate-wave-1',
          targets: [sandbox.store.estate.things[thingName]!.thingArn],
          document: JSON.stringify({ bundle: '${aws:iot:s3-presigned-url:https://s3.amazonaws.com/ota-bundles/fw/bundle.bin}' }),
          presignedUrlConfig: { roleArn: 'arn:aws:iam::123456789012:role/presign', expiresInSec: 3600 },
        }),
      );
      const { execution } = await notified;
      expect(execution).toMatchObject({ jobId: 'migrate-wave-1', status: 'QUEUED' });
      expect(execution.jobDocument.bundle).toMatch(new RegExp(`^https://${host.replace(/\./g, '\\.')}:4567/ota-bundles/fw/bundle.bin\\?`));
      expect((await fetchBody(execution.jobDocument.bundle as string)).toString()).toBe('firmware 2.0.0');
      iot.destroy();
    } finally {
      await device.endAsync(true);
    }
  });

  it('keeps jobs and buckets across a restart', async () => {
    await sandbox.stop();
    sandbox = await startSandbox(options());
    const iot = new IoTClient({});
    const { job } = await iot.send(new DescribeJobCommand({ jobId: 'migrate-wave-1' }));
    expect(job).toMatchObject({ status: 'IN_PROGRESS', jobProcessDetails: { numberOfQueuedThings: 1 } });
    iot.destroy();
    const s3 = s3Client();
    const got = await s3.send(new GetObjectCommand({ Bucket: 'ota-bundles', Key: 'fw/bundle.bin' }));
    expect(await got.Body!.transformToString()).toBe('firmware 2.0.0');
    s3.destroy();
  });
});
