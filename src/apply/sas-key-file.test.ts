import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SAS_KEYS_FILE, SasKeyFile } from './sas-key-file.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iotmigrate-sas-keys-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('SasKeyFile', () => {
  it('makes keys once per device, in a 0600 file that a reopen reads back', async () => {
    const file = await SasKeyFile.open(join(dir, 'state'), 'hub.example');
    const first = await file.ensure(['a', 'b']);
    const again = await file.ensure(['b', 'c']);
    expect(again.get('b')).toEqual(first.get('b'));
    expect(first.get('a')!.primaryKey).not.toBe(first.get('a')!.secondaryKey);
    const path = join(dir, 'state', SAS_KEYS_FILE);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await readFile(path, 'utf8')).trim().split('\n')).toHaveLength(3);
    const reopened = await SasKeyFile.open(join(dir, 'state'), 'hub.example');
    expect(['a', 'b', 'c'].map((deviceId) => reopened.get(deviceId))).toEqual(['a', 'b', 'c'].map((deviceId) => first.get(deviceId) ?? again.get(deviceId)));
  });

  it('skips a line torn by a kill and starts the next write on a line of its own', async () => {
    const path = join(dir, SAS_KEYS_FILE);
    await writeFile(path, '{"deviceId":"a","hostName":"h","primaryKey":"cA==","secondaryKey":"cw=="}\n{"deviceId":"b","prim');
    await chmod(path, 0o644);
    const file = await SasKeyFile.open(dir, 'h');
    expect(file.get('a')).toEqual({ primaryKey: 'cA==', secondaryKey: 'cw==' });
    expect(file.get('b')).toBeUndefined();
    await file.adopt('c', { primaryKey: 'cQ==', secondaryKey: 'cg==' });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await SasKeyFile.open(dir, 'h')).get('c')).toEqual({ primaryKey: 'cQ==', secondaryKey: 'cg==' });
  });

  it('records adopted keys only when they differ from what it has', async () => {
    const file = await SasKeyFile.open(dir, 'h');
    const keys = { primaryKey: 'cA==', secondaryKey: 'cw==' };
    await file.adopt('a', keys);
    await file.adopt('a', keys);
    expect((await readFile(join(dir, SAS_KEYS_FILE), 'utf8')).trim().split('\n')).toHaveLength(1);
  });
});
