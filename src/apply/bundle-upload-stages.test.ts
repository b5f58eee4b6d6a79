import { generateKeyPairSync } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildPlan, DEFAULT_SIZING_ASSUMPTIONS } from '../plan/build-plan.js';
import type { LoadedPlan } from '../plan/load-plan-directory.js';
import { certificate, manifestWith, thing } from '../plan/manifest.fixture.js';
import { DEFAULT_ROLLOUT_LIMITS } from '../plan/rollout-limits.js';
import { DEFAULT_WAVE_SETTINGS } from '../plan/waves.js';
import { bundleSignatureValid, signingKeyOf, type SigningKey } from '../ota/signing-key.js';
import type { BundleObjectStore } from '../ota/s3-bundle-store.js';
import { StateStore } from '../state/state-store.js';
import type { StageContext } from './apply-stage.js';
import { bundleStage } from './bundle-stage.js';
import { cutoverJobDocumentForRun, recordedBundle } from './firmware-bundle-record.js';
import { createRolloutControl } from './rollout-control.js';
import { uploadStage } from './upload-stage.js';

/** S3 in memory, counting what is written. */
class FakeBundleStore implements BundleObjectStore {
  buckets = new Set<string>();
  objects = new Map<string, { data: Buffer; sha256: string }>();
  puts = 0;
  async objectSha256(bucket: string, key: string) {
    const object = this.objects.get(`${bucket}/${key}`);
    return object ? object.sha256 : undefined;
  }
  async ensureBucket(bucket: string) {
    if (this.buckets.has(bucket)) return false;
    this.buckets.add(bucket);
    return true;
  }
  async putBundle(bucket: string, key: string, data: Buffer, sha256: string) {
    if (!this.buckets.has(bucket)) throw new Error('NoSuchBucket');
    this.puts += 1;
    this.objects.set(`${bucket}/${key}`, { data, sha256 });
  }
  close() {}
}

let dir: string;
let store: StateStore;
let s3: FakeBundleStore;
let key: SigningKey;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iotmigrate-bundle-stage-'));
  store = StateStore.open(join(dir, 'state'));
  s3 = new FakeBundleStore();
  key = signingKeyOf(generateKeyPairSync('ed25519').privateKey);
  await mkdir(join(dir, 'plan', 'firmware', 'src'), { recursive: true });
  await writeFile(join(dir, 'plan', 'firmware', 'package.json'), '{"version":"1.0.0","main":"dist/main.js"}');
  await writeFile(join(dir, 'plan', 'firmware', 'src', 'main.ts'), 'export async function start() {}\n');
});

afterEach(async () => {
  store.close();
  await rm(dir, { recursive: true, force: true });
});

function loadedPlan(withFirmware = true): LoadedPlan {
  const { plan, identities } = buildPlan(
    manifestWith({ things: [thing('t-1', { certificateIds: ['c1'] })], certificates: [certificate('c1', { things: ['t-1'] })] }),
    { ...DEFAULT_SIZING_ASSUMPTIONS, hubName: 'iot-fleet', waves: DEFAULT_WAVE_SETTINGS, rollout: DEFAULT_ROLLOUT_LIMITS, caVerified: false },
    () => ({ resource: {} }),
    withFirmware
      ? {
          rewrite: { status: 'planned', repo: 'fw', directory: 'firmware', report: 'rewrite-report.json', files: { rewritten: 1, unchanged: 1, skipped: 0, error: 0 }, findings: { rewritten: 1, todo: 0 } },
          release: { packageJson: { version: '1.0.0', main: 'dist/main.js' }, files: new Set(['package.json', 'src/main.ts']), signing: key, flags: {} },
        }
      : undefined,
  );
  return { dir: join(dir, 'plan'), plan, identities: identities.devices };
}

function context(plan: LoadedPlan): StageContext {
  return { plan, store, stateDir: join(dir, 'state'), emit: () => {}, signal: new AbortController().signal, control: createRolloutControl() };
}

/** null: no key file at --signing-key. */
const bundle = (signingKey: SigningKey | null = key) => bundleStage({ signingKeyFile: 'key.pem', signingKey: signingKey ?? undefined });
const upload = () => uploadStage({ openStore: async () => s3 });

describe('bundle and upload stages', () => {
  it('pack, sign and upload once; a re-run writes nothing; a firmware change packs and uploads again', async () => {
    const plan = loadedPlan();
    const firmware = plan.plan.firmware as Extract<typeof plan.plan.firmware, { status: 'planned' }>;
    expect(bundle().preview(context(plan)).writes).toBe(true);
    expect(upload().preview(context(plan))).toMatchObject({ writes: true, lines: [expect.stringContaining(`s3://${firmware.bundle.bucket}/${firmware.bundle.key}`)] });

    expect((await bundle().run(context(plan))).counts).toMatchObject({ packed: 1, files: 2 });
    const recorded = recordedBundle(store)!;
    expect(recorded.path).toBe(join(dir, 'state', 'bundle', `firmware-${recorded.sha256}.tar.gz`));
    const data = await readFile(recorded.path);
    expect(bundleSignatureValid(data, recorded.signature, key.publicKey)).toBe(true);

    expect((await upload().run(context(plan))).counts).toEqual({ uploaded: 1, bytes: data.length, bucketCreated: 1 });
    expect(s3.objects.get(`${firmware.bundle.bucket}/${firmware.bundle.key}`)).toEqual({ data, sha256: recorded.sha256 });

    expect(bundle().preview(context(plan)).writes).toBe(false);
    expect(upload().preview(context(plan)).writes).toBe(false);
    expect((await bundle().run(context(plan))).counts).toMatchObject({ packed: 0 });
    expect((await upload().run(context(plan))).counts).toMatchObject({ uploaded: 0 });
    expect(s3.puts).toBe(1);
    // Once packed with the right key, the key is not needed again.
    expect(bundle(null).preview(context(plan)).writes).toBe(false);

    const document = cutoverJobDocumentForRun(context(plan), 'iot-fleet.azure-devices.net');
    expect(document.firmware).toMatchObject({ sha256: recorded.sha256, size: data.length, signature: recorded.signature, signingKeyId: key.keyId, entryPoint: 'src/main.ts' });

    await writeFile(join(dir, 'plan', 'firmware', 'src', 'main.ts'), 'export async function start() { /* fixed */ }\n');
    expect(bundle().preview(context(plan)).writes).toBe(true);
    expect(upload().preview(context(plan)).writes).toBe(true);
    expect(() => cutoverJobDocumentForRun(context(plan), 'h')).toThrow('changed since the bundle in S3 was packed');
    await expect(upload().run(context(plan))).rejects.toThrow('the firmware bundle is not packed from');
    await bundle().run(context(plan));
    expect(() => cutoverJobDocumentForRun(context(plan), 'h')).toThrow('is not in s3://');
    expect((await upload().run(context(plan))).counts).toMatchObject({ uploaded: 1, bucketCreated: 0 });
    expect(s3.puts).toBe(2);
    await expect(readFile(recorded.path)).rejects.toThrow('ENOENT');
  });

  it('refuses a key other than the plan\'s, or none, before anything is written', async () => {
    const plan = loadedPlan();
    const other = signingKeyOf(generateKeyPairSync('ed25519').privateKey);
    expect(() => bundle(other).preview(context(plan))).toThrow("is not the one the plan's devices trust");
    expect(() => bundle(null).preview(context(plan))).toThrow('no firmware signing key at key.pem');
    expect(recordedBundle(store)).toBeUndefined();
  });

  it('packs again when the recorded file was altered, and upload refuses a bundle that is gone', async () => {
    const plan = loadedPlan();
    await bundle().run(context(plan));
    const recorded = recordedBundle(store)!;
    await writeFile(recorded.path, 'tampered');
    await expect(upload().run(context(plan))).rejects.toThrow('not the one recorded');
    expect(bundle().preview(context(plan)).writes).toBe(true);
    await bundle().run(context(plan));
    expect(await readFile(recorded.path)).not.toEqual(Buffer.from('tampered'));
    await rm(recorded.path);
    await expect(upload().run(context(plan))).rejects.toThrow('is gone');
  });

  it('skips both stages for a plan without firmware, and the rollout cannot get a job document', async () => {
    const plan = loadedPlan(false);
    expect(bundle(null).preview(context(plan))).toEqual({ lines: [expect.stringContaining('bundle: skipped: the plan has no firmware')], writes: false });
    expect(upload().preview(context(plan)).writes).toBe(false);
    expect((await bundle(null).run(context(plan))).counts).toEqual({ skipped: 1 });
    expect((await upload().run(context(plan))).counts).toEqual({ skipped: 1 });
    expect(() => cutoverJobDocumentForRun(context(plan), 'h')).toThrow('nothing to roll out');
  });
});
