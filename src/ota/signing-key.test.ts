import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bundleSignatureValid, keyIdOf, loadOrCreateSigningKey, readSigningKey, signBundle } from './signing-key.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iotmigrate-signing-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('signing key', () => {
  it('makes a 0600 ed25519 key once and reads the same key afterwards', async () => {
    const file = join(dir, 'keys', 'firmware-signing-key.pem');
    const made = await loadOrCreateSigningKey(file);
    expect(made.created).toBe(true);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const again = await loadOrCreateSigningKey(file);
    expect(again).toMatchObject({ created: false, key: { keyId: made.key.keyId, publicKeyPem: made.key.publicKeyPem } });
    expect(made.key.keyId).toBe(keyIdOf(createPublicKey(made.key.publicKeyPem)));
    expect(made.key.keyId).toMatch(/^[0-9a-f]{64}$/);
  });

  it('signs so that only the untouched bundle under the same key verifies', async () => {
    const { key } = await loadOrCreateSigningKey(join(dir, 'key.pem'));
    const bundle = Buffer.from('firmware bytes');
    const signature = signBundle(bundle, key);
    expect(bundleSignatureValid(bundle, signature, key.publicKey)).toBe(true);
    expect(bundleSignatureValid(Buffer.from('firmware bytez'), signature, key.publicKey)).toBe(false);
    expect(bundleSignatureValid(bundle, signature, generateKeyPairSync('ed25519').publicKey)).toBe(false);
    expect(bundleSignatureValid(bundle, 'not base64 at all!', key.publicKey)).toBe(false);
  });

  it('says what to do about a missing, unreadable or non-ed25519 key', async () => {
    await expect(readSigningKey(join(dir, 'none.pem'))).rejects.toThrow(`no firmware signing key at ${join(dir, 'none.pem')}`);
    await writeFile(join(dir, 'text.pem'), 'hello');
    await expect(readSigningKey(join(dir, 'text.pem'))).rejects.toThrow('is not a PEM private key');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' });
    await writeFile(join(dir, 'rsa.pem'), rsa);
    await expect(readSigningKey(join(dir, 'rsa.pem'))).rejects.toThrow('holds a rsa key; firmware is signed with ed25519');
    expect(await readFile(join(dir, 'rsa.pem'), 'utf8')).toContain('PRIVATE KEY');
  });
});
