import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.js';
import { planFirmwareRelease, type FirmwareReleaseInput } from './firmware-release.js';

const signing = { keyId: 'a'.repeat(64), publicKeyPem: '-----BEGIN PUBLIC KEY-----\nMCow\n-----END PUBLIC KEY-----\n' };
const source = { accountId: '123456789012', region: 'eu-west-1' };

function input(parts: Partial<FirmwareReleaseInput> = {}): FirmwareReleaseInput {
  return { packageJson: { version: '3.1.0', main: 'dist/app.js' }, files: new Set(['package.json', 'src/app.ts', 'dist/app.js', 'index.js']), signing, flags: {}, ...parts };
}

describe('planFirmwareRelease', () => {
  it('derives version, entry point, bucket, key and presign role from the repo and the AWS account', () => {
    expect(planFirmwareRelease(input(), source, 'iot-fleet')).toEqual({
      version: '3.1.0-azure',
      entryPoint: 'src/app.ts',
      bundle: { bucket: 'iotmigrate-firmware-123456789012-eu-west-1', key: 'iotmigrate/iot-fleet/firmware-3.1.0-azure.tar.gz' },
      signing,
      presignRoleArn: 'arn:aws:iam::123456789012:role/iotmigrate-ota-presign',
    });
  });

  it('falls back to main itself, then index.js, and takes every flag as given', () => {
    expect(planFirmwareRelease(input({ files: new Set(['dist/app.js']) }), source, 'h').entryPoint).toBe('dist/app.js');
    expect(planFirmwareRelease(input({ packageJson: { version: '1' } }), source, 'h').entryPoint).toBe('index.js');
    const flags = { version: '9.0.0', entryPoint: './index.js', bucket: 'my-bucket', presignRoleArn: 'arn:aws:iam::210987654321:role/presign' };
    expect(planFirmwareRelease(input({ flags }), { accountId: null, region: 'eu-west-1' }, 'h')).toMatchObject({
      version: '9.0.0',
      entryPoint: 'index.js',
      bundle: { bucket: 'my-bucket', key: 'iotmigrate/h/firmware-9.0.0.tar.gz' },
      presignRoleArn: flags.presignRoleArn,
    });
  });

  it('asks for the flag it cannot default', () => {
    const noAccount = { accountId: null, region: 'eu-west-1' };
    expect(() => planFirmwareRelease(input(), noAccount, 'h')).toThrow('so --firmware-bucket has no default');
    expect(() => planFirmwareRelease(input({ flags: { bucket: 'b-1' } }), noAccount, 'h')).toThrow('so --presign-role-arn has no default');
    expect(() => planFirmwareRelease(input({ packageJson: {} }), source, 'h')).toThrow(/no version.*/);
    expect(() => planFirmwareRelease(input({ packageJson: { version: '1', main: 'dist/x.js' }, files: new Set(['a.ts']) }), source, 'h')).toThrow(UsageError);
  });
});
