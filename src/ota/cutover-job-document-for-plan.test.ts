import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InputError } from '../errors.js';
import { buildPlan, DEFAULT_SIZING_ASSUMPTIONS, type FirmwareInput } from '../plan/build-plan.js';
import { certificate, manifestWith, thing } from '../plan/manifest.fixture.js';
import { DEFAULT_ROLLOUT_LIMITS } from '../plan/rollout-limits.js';
import { DEFAULT_WAVE_SETTINGS } from '../plan/waves.js';
import { presignedUrlPlaceholders, s3LocationOf } from '../sandbox/aws/jobs/job-document.js';
import { CutoverJobDocumentSchema } from './cutover-job-document.js';
import { cutoverJobDocumentFor, MAX_JOB_DOCUMENT_BYTES, presignedUrlPlaceholder, renderCutoverJobDocument } from './cutover-job-document-for-plan.js';
import { signingKeyOf } from './signing-key.js';

const key = signingKeyOf(generateKeyPairSync('ed25519').privateKey);
const options = { ...DEFAULT_SIZING_ASSUMPTIONS, hubName: 'iot-fleet', waves: DEFAULT_WAVE_SETTINGS, rollout: DEFAULT_ROLLOUT_LIMITS, caVerified: false };
const firmware: FirmwareInput = {
  rewrite: {
    status: 'planned',
    repo: 'thermostat',
    directory: 'firmware',
    report: 'rewrite-report.json',
    files: { rewritten: 1, unchanged: 0, skipped: 0, error: 0 },
    findings: { rewritten: 1, todo: 0 },
  },
  release: { packageJson: { version: '1.2.0', main: 'dist/main.js' }, files: new Set(['package.json', 'src/main.ts']), signing: key, flags: {} },
};

/** A fleet whose first `renamed` things connect with a client ID other than their name. */
function planFor(things: number, renamed: number) {
  const names = Array.from({ length: things }, (_, index) => `thermostat-${String(index).padStart(5, '0')}`);
  return buildPlan(
    manifestWith({
      things: names.map((name, index) => thing(name, { certificateIds: [`c${index}`], clientId: index < renamed ? `${name}-renamed-device-id` : name })),
      certificates: names.map((name, index) => certificate(`c${index}`, { things: [name] })),
    }),
    options,
    () => ({ resource: {} }),
    firmware,
  );
}

const bundle = { sha256: 'ab'.repeat(32), size: 4096, signature: 'c2lnbmF0dXJl', signingKeyId: key.keyId };

describe('cutover job document for a plan', () => {
  it('names the bundle by the presign placeholder AWS IoT (and the sandbox) replace, and carries what the agent checks', () => {
    const { plan, identities } = planFor(3, 1);
    const document = cutoverJobDocumentFor({ plan, identities: identities.devices, bundle, hubHostName: 'iot-fleet.azure-devices.net' });
    expect(CutoverJobDocumentSchema.parse(document)).toEqual(document);
    expect(document.firmware).toEqual({
      version: '1.2.0-azure',
      url: '${aws:iot:s3-presigned-url:https://s3.eu-west-1.amazonaws.com/iotmigrate-firmware-123456789012-eu-west-1/iotmigrate/iot-fleet/firmware-1.2.0-azure.tar.gz}',
      sha256: bundle.sha256,
      size: 4096,
      signature: bundle.signature,
      signingKeyId: key.keyId,
      entryPoint: 'src/main.ts',
    });
    expect(document.azure).toEqual({ hostName: 'iot-fleet.azure-devices.net', deviceIds: { 'thermostat-00000': 'thermostat-00000-renamed-device-id' } });
    expect(document.connectTimeoutSeconds).toBe(plan.rollout.azureConnectTimeoutSeconds);

    const [url] = presignedUrlPlaceholders(renderCutoverJobDocument(document));
    expect(s3LocationOf(url!)).toEqual({ bucket: 'iotmigrate-firmware-123456789012-eu-west-1', key: 'iotmigrate/iot-fleet/firmware-1.2.0-azure.tar.gz' });
  });

  it('encodes the key inside the placeholder so the sandbox reads back the same key', () => {
    const url = /\$\{aws:iot:s3-presigned-url:([^}]+)\}/.exec(presignedUrlPlaceholder('us-east-1', 'b-1', 'a b/fw+1.tar.gz'))![1]!;
    expect(s3LocationOf(url)).toEqual({ bucket: 'b-1', key: 'a b/fw+1.tar.gz' });
  });

  it('keeps only the wave\'s renamed devices when given the wave', () => {
    const { plan, identities } = planFor(4, 2);
    const document = cutoverJobDocumentFor({ plan, identities: identities.devices, bundle, hubHostName: 'h', deviceIds: ['thermostat-00001-renamed-device-id', 'thermostat-00003'] });
    expect(document.azure.deviceIds).toEqual({ 'thermostat-00001': 'thermostat-00001-renamed-device-id' });
  });

  it('refuses a document over 32 KB, a bundle signed by another key, and a plan without firmware', () => {
    const { plan, identities } = planFor(600, 600);
    const document = cutoverJobDocumentFor({ plan, identities: identities.devices, bundle, hubHostName: 'h' });
    expect(() => renderCutoverJobDocument(document)).toThrow(new RegExp(`over AWS IoT's ${MAX_JOB_DOCUMENT_BYTES}-byte limit \\(it names 600 devices`));
    expect(() => renderCutoverJobDocument(document)).toThrow(InputError);
    expect(renderCutoverJobDocument(cutoverJobDocumentFor({ plan, identities: identities.devices, bundle, hubHostName: 'h', deviceIds: [] })).length).toBeLessThan(2000);

    expect(() => cutoverJobDocumentFor({ plan, identities: identities.devices, bundle: { ...bundle, signingKeyId: 'f'.repeat(64) }, hubHostName: 'h' })).toThrow('devices trust');
    const withoutFirmware = buildPlan(manifestWith(), options, () => ({ resource: {} }));
    expect(() => cutoverJobDocumentFor({ plan: withoutFirmware.plan, identities: [], bundle, hubHostName: 'h' })).toThrow('no firmware to roll out');
  });
});
