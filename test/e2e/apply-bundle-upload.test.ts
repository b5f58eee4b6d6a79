import { createHash, createPublicKey } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBundleFiles } from '../../src/ota/bundle.js';
import { bundleSignatureValid, loadOrCreateSigningKey } from '../../src/ota/signing-key.js';
import type { Plan } from '../../src/plan/schema.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/start-sandbox.js';
import { uniqueLoopbackHost } from '../support/loopback.js';
import { cleanEnv, runCli, type CliResult } from '../support/run-cli.js';

/**
 * plan --firmware-repo, then `apply --stage bundle` and `--stage upload` as users run
 * them (the built CLI, @aws-sdk/client-s3 inside), against an in-process sandbox: the
 * bundle lands in the sandbox's S3, signed with the vendor key the sandbox hands out,
 * and a re-run uploads nothing.
 */
const FIRMWARE_REPO = fileURLToPath(new URL('../../fixtures/firmware-repos/thermostat-v2', import.meta.url));

let work: string;
let sandbox: Sandbox;
let env: NodeJS.ProcessEnv;
let planDir: string;
let plan: Plan;
const host = uniqueLoopbackHost();
let hubHost = uniqueLoopbackHost();
while (hubHost === host) hubHost = uniqueLoopbackHost();

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'iotmigrate-apply-bundle-'));
  sandbox = await startSandbox({ stateDir: join(work, 'sandbox'), host, hubHost, things: 3, seed: 5 });
  env = cleanEnv(sandbox.env);
  const manifest = join(work, 'manifest.json');
  const detect = await runCli(['detect', '--out', manifest], { env, cwd: work });
  expect(detect.code, detect.stderr).toBe(0);
  planDir = join(work, 'plan');
  const planned = await runCli(['--verbose', 'plan', '--manifest', manifest, '--out', planDir, '--firmware-repo', FIRMWARE_REPO], { env, cwd: work });
  expect(planned.code, planned.stderr).toBe(0);
  // IOTMIGRATE_PLAN_SIGNING_KEY from sandbox env: the vendor key the fleet trusts, not a new one.
  expect(planned.stderr).not.toContain('New firmware signing key');
  plan = JSON.parse(await readFile(join(planDir, 'plan.json'), 'utf8')) as Plan;
}, 120_000);

afterAll(async () => {
  await sandbox?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

interface Summary {
  type: string;
  exitCode?: number;
  counts?: Record<string, number>;
}

async function apply(stage: string, extra: string[] = []): Promise<CliResult & { summary: Summary | undefined }> {
  const result = await runCli(['--json', 'apply', '--plan', planDir, '--stage', stage, '--state-dir', join(work, 'state'), '--yes', ...extra], { env, cwd: work });
  const events = result.stdout.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Summary);
  return { ...result, summary: events.find((event) => event.type === 'summary') };
}

describe('apply --stage bundle and --stage upload against the sandbox', () => {
  it('uploads the signed bundle once, where the plan says, and verifiable with the plan\'s public key', async () => {
    if (plan.firmware.status !== 'planned') throw new Error('the plan has no firmware');
    const firmware = plan.firmware;
    const vendorKey = (await loadOrCreateSigningKey(sandbox.firmwareSigningKeyFile)).key;
    expect(firmware.signing.keyId).toBe(vendorKey.keyId);

    const bundled = await apply('bundle');
    expect(bundled.code, bundled.stderr).toBe(0);
    expect(bundled.summary?.counts).toMatchObject({ 'bundle.packed': 1 });
    const uploaded = await apply('upload');
    expect(uploaded.code, uploaded.stderr).toBe(0);
    expect(uploaded.summary?.counts).toMatchObject({ 'upload.uploaded': 1, 'upload.bucketCreated': 1 });

    const s3 = new S3Client({
      region: sandbox.region,
      endpoint: sandbox.endpoints.s3Api,
      forcePathStyle: true,
      credentials: { accessKeyId: sandbox.env.AWS_ACCESS_KEY_ID!, secretAccessKey: sandbox.env.AWS_SECRET_ACCESS_KEY! },
      requestHandler: { httpsAgent: new Agent({ ca: sandbox.cas.root.certificatePem }) },
    });
    try {
      const object = await s3.send(new GetObjectCommand({ Bucket: firmware.bundle.bucket, Key: firmware.bundle.key }));
      const data = Buffer.from(await object.Body!.transformToByteArray());
      const sha256 = createHash('sha256').update(data).digest('hex');
      expect(object.Metadata).toEqual({ sha256 });
      const recorded = await readFile(join(work, 'state', 'bundle', `firmware-${sha256}.tar.gz`));
      expect(recorded.equals(data)).toBe(true);

      // What a device holds: the public key from plan.json, and the signature from the job document.
      const { cutoverJobDocumentForRun } = await import('../../src/apply/firmware-bundle-record.js');
      const { StateStore } = await import('../../src/state/state-store.js');
      const { loadPlanDirectory } = await import('../../src/plan/load-plan-directory.js');
      const store = StateStore.open(join(work, 'state'));
      const document = (() => {
        try {
          return cutoverJobDocumentForRun({ plan: { dir: planDir, plan, identities: [] }, store }, sandbox.env.IOTHUB_HOSTNAME!);
        } finally {
          store.close();
        }
      })();
      expect(document.firmware).toMatchObject({ sha256, size: data.length, signingKeyId: firmware.signing.keyId, version: '1.0.0-azure', entryPoint: 'src/main.ts' });
      expect(bundleSignatureValid(data, document.firmware.signature, createPublicKey(firmware.signing.publicKeyPem))).toBe(true);
      expect(document.firmware.url).toBe(`\${aws:iot:s3-presigned-url:https://s3.${sandbox.region}.amazonaws.com/${firmware.bundle.bucket}/${firmware.bundle.key}}`);
      expect((await loadPlanDirectory(planDir)).plan.firmware).toEqual(firmware);

      const files = await readBundleFiles(data);
      expect([...files.keys()]).toContain('src/main.ts');
      expect(files.get('src/main.ts')!.toString()).toBe(await readFile(join(planDir, 'firmware', 'src', 'main.ts'), 'utf8'));
    } finally {
      s3.destroy();
    }

    const bundledAgain = await apply('bundle');
    expect(bundledAgain.summary?.counts).toMatchObject({ 'bundle.packed': 0 });
    const uploadedAgain = await apply('upload');
    expect(uploadedAgain.code, uploadedAgain.stderr).toBe(0);
    expect(uploadedAgain.summary?.counts).toMatchObject({ 'upload.uploaded': 0 });
  }, 60_000);

  it('refuses to sign with a key other than the plan\'s, before writing anything', async () => {
    const otherKey = join(work, 'other-key.pem');
    await loadOrCreateSigningKey(otherKey);
    const stateDir = join(work, 'state-other');
    const result = await runCli(['apply', '--plan', planDir, '--stage', 'bundle', '--state-dir', stateDir, '--yes', '--signing-key', otherKey], { env, cwd: work });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("is not the one the plan's devices trust");
    await expect(readFile(join(stateDir, 'bundle'))).rejects.toThrow();
  });
});
