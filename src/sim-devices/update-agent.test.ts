import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CUTOVER_OPERATION } from '../ota/cutover-job-document.js';
import { keyIdOf } from '../ota/signing-key.js';
import type { DeviceProfile } from './device-profile.js';
import type { FirmwareImage } from './firmware-image.js';
import type { FirmwareStartOptions, RunningFirmware } from './firmware-runner.js';
import type { Slot } from './slots.js';
import { runCutover, type CutoverHost, type CutoverIo } from './update-agent.js';

/**
 * The agent's state machine with its I/O faked and a virtual clock: what it reports to
 * AWS IoT Jobs, in which order, and what it does to the device on each path.
 */
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const bundle = Buffer.from('the rewritten firmware, packed');
const document = {
  operation: CUTOVER_OPERATION,
  schemaVersion: 1,
  firmware: {
    version: '2.0.0',
    url: 'https://s3.example/placeholder',
    sha256: createHash('sha256').update(bundle).digest('hex'),
    size: bundle.length,
    signature: sign(null, bundle, privateKey).toString('base64'),
    signingKeyId: keyIdOf(publicKey),
    entryPoint: 'src/main.ts',
  },
  azure: { hostName: 'hub.example', deviceIds: { 'thermostat-1': 'thermostat-1-renamed' } },
  connectTimeoutSeconds: 30,
};
const image: FirmwareImage = { id: document.firmware.sha256, dir: '/images/x', entryFile: '/images/x/src/main.js', exportsStart: true };
const running: RunningFirmware = { stop: async () => {} };

interface Run {
  updates: Array<{ status: string; step: string; reason?: string; firmwareVersion?: string }>;
  events: string[];
  starts: Array<{ at: number; options: FirmwareStartOptions }>;
}

async function cutover(options: { profile?: DeviceProfile; downloaded?: () => Promise<Buffer>; start?: (attempt: number) => Promise<RunningFirmware> } = {}): Promise<Run> {
  const run: Run = { updates: [], events: [], starts: [] };
  let clock = 0;
  const io: CutoverIo = {
    download: async (url) => {
      run.events.push(`download ${url}`);
      return options.downloaded ? options.downloaded() : bundle;
    },
    install: async () => {
      run.events.push('install');
      return image;
    },
    start: (_image, startOptions) => {
      run.starts.push({ at: clock, options: startOptions });
      return options.start ? options.start(run.starts.length) : Promise.resolve(running);
    },
    sleep: (ms, signal) =>
      new Promise((resolve) =>
        setImmediate(() => {
          if (signal?.aborted) return;
          clock += ms;
          resolve();
        }),
      ),
    now: () => clock,
  };
  const host: CutoverHost = {
    thingName: 'thermostat-1',
    certPath: '/d/cert',
    keyPath: '/d/key',
    caPath: '/d/ca',
    caPem: 'CA',
    fleetDir: '/fleet',
    profile: options.profile ?? {},
    trustedKey: { publicKey, keyId: keyIdOf(publicKey) },
    jobs: {
      update: async (_jobId, update) => {
        const { step, reason, firmwareVersion } = update.statusDetails as Omit<Run['updates'][number], 'status'>;
        run.updates.push({ status: update.status, step, ...(reason !== undefined ? { reason } : {}), ...(firmwareVersion !== undefined ? { firmwareVersion } : {}) });
        // Starting the execution hands out the document with the device's presigned URL.
        return update.includeJobDocument ? { jobDocument: { ...document, firmware: { ...document.firmware, url: 'https://s3.example/presigned' } } } : {};
      },
    },
    activeSlot: () => ({ imageId: 'factory', firmwareVersion: '1.0.3', cloud: 'aws' }),
    updating: (active) => run.events.push(active ? 'updating' : 'idle'),
    stageSlot: async (slot: Slot) => void run.events.push(`stage ${slot.firmwareVersion} ${slot.hubHostName}`),
    switchTo: async () => void run.events.push('switch'),
    rollBack: async () => void run.events.push('roll back'),
    log: () => {},
  };
  await runCutover(host, { jobId: 'wave-1', status: 'QUEUED', jobDocument: document }, io);
  return run;
}

const steps = (run: Run) => run.updates.map((update) => `${update.status}:${update.step}`);

describe('the update agent', () => {
  it('downloads from the freshly presigned URL, verifies, installs, connects and only then reports SUCCEEDED and switches', async () => {
    const run = await cutover();
    expect(steps(run)).toEqual(['IN_PROGRESS:downloading', 'IN_PROGRESS:verifying', 'IN_PROGRESS:installing', 'IN_PROGRESS:connecting-azure', 'SUCCEEDED:switched']);
    expect(run.updates.at(-1)).toMatchObject({ firmwareVersion: '2.0.0' });
    expect(run.updates[0]).toMatchObject({ firmwareVersion: '1.0.3' });
    expect(run.events).toEqual(['updating', 'download https://s3.example/presigned', 'install', 'stage 2.0.0 hub.example', 'switch', 'idle']);
    expect(run.starts[0]!.options).toMatchObject({ thingName: 'thermostat-1-renamed', endpoint: 'hub.example', port: 8883, certPath: '/d/cert', keyPath: '/d/key', firmwareVersion: '2.0.0' });
  });

  it('rejects what its profile rules out, touching nothing', async () => {
    const run = await cutover({ profile: { batteryPercent: 5 } });
    expect(run.updates).toEqual([{ status: 'REJECTED', step: 'rejected', reason: 'battery low (5% < 20%)', firmwareVersion: '1.0.3' }]);
    expect(run.events).toEqual([]);
  });

  it('fails at downloading or verifying with the reason, and never installs or stops the old firmware', async () => {
    const cut = await cutover({ downloaded: () => Promise.reject(new Error('download cut after 12 bytes')) });
    expect(steps(cut)).toEqual(['IN_PROGRESS:downloading', 'FAILED:downloading']);
    expect(cut.updates.at(-1)!.reason).toBe('download cut after 12 bytes');
    const tampered = await cutover({ downloaded: async () => Buffer.from(bundle.toString().toUpperCase()) });
    expect(steps(tampered)).toEqual(['IN_PROGRESS:downloading', 'IN_PROGRESS:verifying', 'FAILED:verifying']);
    expect(tampered.updates.at(-1)!.reason).toMatch(/SHA-256/);
    for (const run of [cut, tampered]) expect(run.events.filter((event) => !event.startsWith('download'))).toEqual(['updating', 'idle']);
  });

  it('retries IoT Hub with backoff and switches when it answers in time', async () => {
    const run = await cutover({ start: (attempt) => (attempt < 3 ? Promise.reject(new Error('Connection refused: Not authorized')) : Promise.resolve(running)) });
    expect(run.starts.map((start) => start.at)).toEqual([0, 1_000, 3_000]);
    expect(steps(run).at(-1)).toBe('SUCCEEDED:switched');
  });

  it('rolls back and reports FAILED rolled-back with the last error when IoT Hub is not reached within connectTimeoutSeconds', async () => {
    const run = await cutover({ start: () => Promise.reject(new Error('Connection refused: Not authorized')) });
    expect(run.starts.map((start) => start.at)).toEqual([0, 1_000, 3_000, 7_000, 15_000, 23_000]);
    expect(steps(run).slice(-2)).toEqual(['IN_PROGRESS:connecting-azure', 'FAILED:rolled-back']);
    expect(run.updates.at(-1)).toEqual({
      status: 'FAILED',
      step: 'rolled-back',
      reason: 'IoT Hub hub.example not reached within 30 s: Connection refused: Not authorized',
      firmwareVersion: '1.0.3',
    });
    expect(run.events.slice(-2)).toEqual(['roll back', 'idle']);
    expect(run.events).not.toContain('switch');
  });

  it('gives up on an attempt still hanging at the deadline', async () => {
    const run = await cutover({ start: () => new Promise(() => {}) });
    expect(run.starts).toHaveLength(1);
    expect(run.updates.at(-1)!.reason).toMatch(/not reached within 30 s: connection attempt still pending after 30 s/);
  });
});
