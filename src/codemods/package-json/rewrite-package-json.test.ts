import { describe, expect, it } from 'vitest';
import { InputError } from '../../errors.js';
import { rewritePackageJson } from './rewrite-package-json.js';

const manifest = (dependencies: Record<string, string>, extra: Record<string, unknown> = {}): string =>
  `${JSON.stringify({ name: 'fw', version: '1.0.0', dependencies, ...extra }, null, 2)}\n`;

describe('rewritePackageJson', () => {
  it('swaps the AWS device SDKs for the Azure device SDK, keeping order and formatting', () => {
    const text = manifest({ 'aws-iot-device-sdk-v2': '^1.28.0', 'pino': '^9.0.0' }, { devDependencies: { typescript: '^5.9.0' } });
    const result = rewritePackageJson(text, 'package.json', {
      importedBefore: new Set(['aws-iot-device-sdk-v2', 'pino']),
      importedAfter: new Set(['azure-iot-device', 'azure-iot-device-mqtt', 'pino']),
    });
    expect(JSON.parse(result.rewritten)).toEqual({
      name: 'fw',
      version: '1.0.0',
      dependencies: { 'azure-iot-device': '^1.18.4', 'azure-iot-device-mqtt': '^1.16.4', pino: '^9.0.0' },
      devDependencies: { typescript: '^5.9.0' },
    });
    expect(result.rewritten.endsWith('}\n')).toBe(true);
    expect(result.findings).toEqual([
      expect.objectContaining({ action: 'rewritten', construct: 'dependencies', note: expect.stringContaining('Removed aws-iot-device-sdk-v2 (dependencies)') }),
    ]);
  });

  it('drops mqtt only when nothing imports it any more', () => {
    const text = manifest({ mqtt: '^5.0.0' });
    const onlyAws = rewritePackageJson(text, 'package.json', { importedBefore: new Set(['mqtt']), importedAfter: new Set(['azure-iot-device']) });
    expect(JSON.parse(onlyAws.rewritten).dependencies).not.toHaveProperty('mqtt');
    const stillUsed = rewritePackageJson(text, 'package.json', { importedBefore: new Set(['mqtt']), importedAfter: new Set(['mqtt', 'azure-iot-device']) });
    expect(JSON.parse(stillUsed.rewritten).dependencies).toHaveProperty('mqtt');
  });

  it('keeps an AWS SDK a file still imports, with a TODO finding', () => {
    const result = rewritePackageJson(manifest({ 'aws-iot-device-sdk': '^2.2.0' }), 'package.json', {
      importedBefore: new Set(['aws-iot-device-sdk']),
      importedAfter: new Set(['aws-iot-device-sdk']),
    });
    expect(JSON.parse(result.rewritten).dependencies).toHaveProperty('aws-iot-device-sdk');
    expect(result.findings).toEqual([expect.objectContaining({ action: 'todo', note: expect.stringContaining('aws-iot-device-sdk is kept') })]);
  });

  it('leaves a package.json without device SDKs untouched', () => {
    const text = manifest({ pino: '^9.0.0' });
    expect(rewritePackageJson(text, 'package.json', { importedBefore: new Set(['pino']), importedAfter: new Set(['pino']) })).toEqual({
      rewritten: text,
      changed: false,
      findings: [],
    });
  });

  it('rejects a package.json that does not parse with an InputError naming it', () => {
    expect(() => rewritePackageJson('{ "name": ', 'fw/package.json', { importedBefore: new Set(), importedAfter: new Set() })).toThrow(InputError);
    expect(() => rewritePackageJson('{ "name": ', 'fw/package.json', { importedBefore: new Set(), importedAfter: new Set() })).toThrow(
      'fw/package.json is not valid JSON.',
    );
  });
});
