import { describe, expect, it } from 'vitest';
import { stableStringify } from '../fs/atomic-write.js';
import { identitiesFileChunks } from './identities-file-chunks.js';
import { PLAN_SCHEMA_VERSION, type IdentitiesFile, type Identity } from './schema.js';

const device = (deviceId: string): Identity => ({
  deviceId,
  thingName: deviceId,
  authentication: { type: 'sas' },
  certificates: [],
  flags: ['no-active-certificate'],
  twin: { tags: { attributes: { z: '1', a: 'multi\nline' } }, desired: { nested: { b: [1, { d: 2, c: 3 }] } } },
  reportedAtSource: { classic: null, named: {} },
});

describe('identitiesFileChunks', () => {
  it.each([0, 1, 3])('writes the same bytes as stableStringify for %i devices', (count) => {
    const file: IdentitiesFile = { schemaVersion: PLAN_SCHEMA_VERSION, devices: Array.from({ length: count }, (_, index) => device(`d${index}`)) };
    expect([...identitiesFileChunks(file)].join('')).toBe(stableStringify(file));
  });
});
