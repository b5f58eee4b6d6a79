import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { InputError } from '../errors.js';

/** Where plan and apply look for the key when --signing-key is not given (plan makes it there). */
export const DEFAULT_SIGNING_KEY_FILE = '.iotmigrate/firmware-signing-key.pem';

/**
 * The firmware code-signing key (ed25519). Devices accept a bundle only when its
 * signature verifies with a public key they already trust, so the private key is the
 * one secret of the rollout: it lives in a 0600 PEM file outside plan/ (a plan is
 * reviewed and uploaded as a CI artifact), and plan.json carries only the public key
 * and its ID. The sandbox plays the device vendor: it makes the key its fleet trusts.
 */
export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** Lower-case hex SHA-256 of the public key's SPKI DER: what a job document names. */
  keyId: string;
  publicKeyPem: string;
}

export function signingKeyOf(privateKey: KeyObject): SigningKey {
  const publicKey = createPublicKey(privateKey);
  return {
    privateKey,
    publicKey,
    keyId: keyIdOf(publicKey),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex');
}

/** Reads the key at `file`, or makes one there (mode 0600) when there is none; `created` says which. */
export async function loadOrCreateSigningKey(file: string): Promise<{ key: SigningKey; created: boolean }> {
  const existing = await readSigningKey(file, { missingOk: true });
  if (existing) return { key: existing, created: false };
  const { privateKey } = generateKeyPairSync('ed25519');
  await mkdir(dirname(file), { recursive: true });
  // wx: never overwrite a key another run made in the meantime; then read that one.
  try {
    await writeFile(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return { key: (await readSigningKey(file))!, created: false };
    throw error;
  }
  await chmod(file, 0o600);
  return { key: signingKeyOf(privateKey), created: true };
}

/**
 * Writes a key made in memory (signingKeyOf(generateKeyPairSync('ed25519').privateKey))
 * to `file`, mode 0600, never over an existing file: plan decides with the key first and
 * saves it only once the plan is known to be good, so a refused plan leaves no key behind.
 */
export async function saveNewSigningKey(file: string, key: SigningKey): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  try {
    await writeFile(file, key.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new InputError(`a firmware signing key appeared at ${file} while planning`, { hint: 'plan again: it will use that key' });
    }
    throw error;
  }
  await chmod(file, 0o600);
}

export async function readSigningKey(file: string, options: { missingOk?: boolean } = {}): Promise<SigningKey | undefined> {
  let pem: string;
  try {
    pem = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      if (options.missingOk) return undefined;
      throw new InputError(`no firmware signing key at ${file}`, {
        hint: 'pass the key plan used with --signing-key (plan makes one at .iotmigrate/firmware-signing-key.pem when none is given)',
      });
    }
    throw error;
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch (error) {
    throw new InputError(`${file} is not a PEM private key`, { hint: 'point --signing-key at the ed25519 key plan used', cause: error });
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new InputError(`${file} holds a ${privateKey.asymmetricKeyType} key; firmware is signed with ed25519`, {
      hint: 'make one with: openssl genpkey -algorithm ed25519 -out firmware-signing-key.pem',
    });
  }
  return signingKeyOf(privateKey);
}

/** Base64 ed25519 signature of `data`. */
export function signBundle(data: Buffer, key: SigningKey): string {
  return sign(null, data, key.privateKey).toString('base64');
}

export function bundleSignatureValid(data: Buffer, signatureBase64: string, publicKey: KeyObject): boolean {
  try {
    return verify(null, data, publicKey, Buffer.from(signatureBase64, 'base64'));
  } catch {
    return false;
  }
}
