import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keyIdOf } from '../ota/signing-key.js';
import { CUTOVER_OPERATION } from '../ota/cutover-job-document.js';
import { bundleRefusal, decideOnJob, nextConnectDelayMs } from './cutover-checks.js';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const keyId = keyIdOf(publicKey);
const bundle = Buffer.from('firmware bundle bytes');
const firmware = {
  version: '2.0.0',
  url: 'https://127.0.0.1:4567/ota/fw.tar.gz?X-Amz-Signature=x',
  sha256: createHash('sha256').update(bundle).digest('hex'),
  size: bundle.length,
  signature: sign(null, bundle, privateKey).toString('base64'),
  signingKeyId: keyId,
  entryPoint: 'src/main.ts',
};
const document = { operation: CUTOVER_OPERATION, schemaVersion: 1, firmware, azure: { hostName: '127.0.0.2' }, connectTimeoutSeconds: 30 };

describe('the agent taking or rejecting a job', () => {
  it('takes a cutover signed by the key it trusts', () => {
    expect(decideOnJob(document, {}, keyId)).toEqual({ take: { ...document, azure: { hostName: '127.0.0.2', deviceIds: {} } } });
    expect(decideOnJob(document, { batteryPercent: 20 }, keyId)).toHaveProperty('take');
  });

  it('rejects other jobs, malformed documents, unknown keys and what its profile rules out', () => {
    expect(decideOnJob({ operation: 'reboot' }, {}, keyId)).toEqual({ reject: expect.stringMatching(/unsupported job: operation "reboot"/) });
    expect(decideOnJob(undefined, {}, keyId)).toEqual({ reject: expect.stringMatching(/operation null/) });
    expect(decideOnJob({ ...document, connectTimeoutSeconds: 0 }, {}, keyId)).toEqual({ reject: expect.stringMatching(/at connectTimeoutSeconds/) });
    expect(decideOnJob(document, {}, 'f'.repeat(64))).toEqual({ reject: expect.stringMatching(/the device trusts f{64}/) });
    expect(decideOnJob(document, { batteryPercent: 19 }, keyId)).toEqual({ reject: 'battery low (19% < 20%)' });
    expect(decideOnJob(document, { rejectCutover: 'hardware rev A' }, keyId)).toEqual({ reject: 'hardware rev A' });
  });
});

describe('the agent checking a download', () => {
  it('accepts the very bundle the job names', () => {
    expect(bundleRefusal(bundle, firmware, publicKey)).toBeUndefined();
  });

  it('refuses a short, corrupted or wrongly signed one', () => {
    expect(bundleRefusal(bundle.subarray(1), firmware, publicKey)).toMatch(/is 20 bytes, the job says 21/);
    const corrupted = Buffer.from(bundle);
    corrupted[0]! ^= 1;
    expect(bundleRefusal(corrupted, firmware, publicKey)).toMatch(/SHA-256 .* does not match/);
    const other = generateKeyPairSync('ed25519');
    expect(bundleRefusal(bundle, { ...firmware, signature: sign(null, bundle, other.privateKey).toString('base64') }, publicKey)).toMatch(/signature does not verify/);
  });
});

describe('pacing the attempts to reach IoT Hub', () => {
  it('doubles from 1 s to at most 8 s and never waits past the deadline', () => {
    expect([1, 2, 3, 4, 5, 9].map((attempt) => nextConnectDelayMs(attempt, 0, 60_000))).toEqual([1_000, 2_000, 4_000, 8_000, 8_000, 8_000]);
    expect(nextConnectDelayMs(3, 10_000, 13_999)).toBeUndefined();
    expect(nextConnectDelayMs(3, 10_000, 14_001)).toBe(4_000);
  });
});
