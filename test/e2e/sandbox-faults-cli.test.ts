import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { Agent, request as httpsGet } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IoTClient, ListThingsCommand } from '@aws-sdk/client-iot';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueLoopbackHost } from '../support/loopback.js';
import { cleanEnv, runCli } from '../support/run-cli.js';

/**
 * `sandbox up --faults` end to end: a bad spec is a usage error (from the flag and from
 * IOTMIGRATE_SANDBOX_FAULTS), and a detached sandbox started with faults reports them in
 * `sandbox status` and injects them into what the SDKs reach through `sandbox env`.
 */
describe('sandbox up --faults', () => {
  const host = uniqueLoopbackHost();
  let hubHost = uniqueLoopbackHost();
  while (hubHost === host) hubHost = uniqueLoopbackHost();
  let work: string;
  let stateDir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'iotmigrate-faults-cli-'));
    stateDir = join(work, 'state');
  });

  afterAll(async () => {
    if (stateDir) await runCli(['sandbox', 'down', '--state-dir', stateDir]);
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('refuses a spec it cannot parse with exit 2 and the kinds it knows, from the flag and from the environment', async () => {
    const bogus = await runCli(['sandbox', 'up', '--faults', 'bogus=1', '--state-dir', join(work, 'never')]);
    expect(bogus.code).toBe(2);
    expect(bogus.stderr).toContain('--faults: "bogus=1" is not kind=probability');
    expect(bogus.stderr).toContain('download-drop, bundle-corrupt, azure-refuse, api-throttle, device-offline');

    const fromEnv = await runCli(['sandbox', 'up', '--state-dir', join(work, 'never')], { env: cleanEnv({ IOTMIGRATE_SANDBOX_FAULTS: 'azure-refuse=7' }) });
    expect(fromEnv.code).toBe(2);
    expect(fromEnv.stderr).toContain('azure-refuse must be a probability from 0 to 1, got "7"');
  });

  it('runs detached with the faults, shows them in status, and injects them into the control plane and S3', async () => {
    const up = await runCli([
      'sandbox', 'up', '--detach', '--things', '2', '--seed', '9', '--faults', 'api-throttle=1,download-drop=1',
      '--state-dir', stateDir, '--host', host, '--hub-host', hubHost,
    ]);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stderr).toContain('Injecting faults: download-drop=1,api-throttle=1 (seed 9)');

    const status = await runCli(['sandbox', 'status', '--state-dir', stateDir]);
    expect(status.stdout).toContain('Faults: download-drop=1,api-throttle=1 (seed 9)');
    const json = JSON.parse((await runCli(['sandbox', 'status', '--state-dir', stateDir, '--json'])).stdout) as { faults: unknown };
    expect(json.faults).toEqual({
      rates: { 'download-drop': 1, 'bundle-corrupt': 0, 'azure-refuse': 0, 'api-throttle': 1, 'device-offline': 0 },
      seed: 9,
    });

    const printed = await runCli(['sandbox', 'env', '--state-dir', stateDir, '--json']);
    env = JSON.parse(printed.stdout) as Record<string, string>;
    const credentials = { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! };

    const iot = new IoTClient({ region: env.AWS_REGION, endpoint: env.AWS_ENDPOINT_URL_IOT, credentials, maxAttempts: 1 });
    const throttled = (await iot.send(new ListThingsCommand({})).catch((error: unknown) => error)) as Error & { $metadata: { httpStatusCode?: number } };
    iot.destroy();
    expect(throttled.name).toBe('ThrottlingException');
    expect(throttled.$metadata.httpStatusCode).toBe(429);

    const ca = await readFile(env.NODE_EXTRA_CA_CERTS!, 'utf8');
    const s3 = new S3Client({ region: env.AWS_REGION, endpoint: env.AWS_ENDPOINT_URL_S3, forcePathStyle: true, credentials, requestHandler: { httpsAgent: new Agent({ ca }) } });
    const bundle = Buffer.alloc(100_000, 7);
    await s3.send(new CreateBucketCommand({ Bucket: 'ota-bundles' }));
    await s3.send(new PutObjectCommand({ Bucket: 'ota-bundles', Key: 'bundle.bin', Body: bundle }));
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'ota-bundles', Key: 'bundle.bin' }), { expiresIn: 600 });
    s3.destroy();
    const received = await new Promise<{ bytes: number; failed: boolean }>((resolve, reject) => {
      httpsGet(url, { ca, agent: false }, (response) => {
        let bytes = 0;
        response.on('data', (chunk: Buffer) => (bytes += chunk.length));
        response.on('end', () => resolve({ bytes, failed: false }));
        response.on('error', () => resolve({ bytes, failed: true }));
      })
        .on('error', reject)
        .end();
    });
    expect(received.failed).toBe(true);
    expect(received.bytes).toBeLessThan(bundle.length);
  }, 120_000);
});
