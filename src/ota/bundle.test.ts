import { mkdir, mkdtemp, readFile, readdir, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { pack as tarPack } from 'tar-stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BundleRejectedError, firmwareTreeDigest, packBundle, packSignedBundle, readBundleFiles, sha256Hex, unpackBundle } from './bundle.js';
import { bundleSignatureValid, loadOrCreateSigningKey } from './signing-key.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iotmigrate-bundle-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeTree(root: string, files: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), text);
  }
}

const FIRMWARE = { 'package.json': '{"name":"fw"}\n', 'src/main.ts': 'export async function start() {}\n', 'src/b/deep.ts': 'export {};\n' };

/** A tar.gz with the given raw entries, as a hostile or broken packer would make it. */
async function rawBundle(entries: Array<{ name: string; type?: 'file' | 'symlink' | 'directory'; content?: string; linkname?: string }>): Promise<Buffer> {
  const pack = tarPack();
  const chunks: Buffer[] = [];
  pack.on('data', (chunk) => chunks.push(chunk as Buffer));
  const ended = new Promise<void>((resolve) => pack.on('end', () => resolve()));
  for (const entry of entries) {
    const type = entry.type ?? 'file';
    const content = Buffer.from(type === 'file' ? (entry.content ?? '') : '');
    pack.entry({ name: entry.name, type, size: content.length, linkname: entry.linkname }, content);
  }
  pack.finalize();
  await ended;
  return promisify(gzip)(Buffer.concat(chunks));
}

describe('firmware bundle', () => {
  it('packs the same files into the same bytes, whatever their times, modes and creation order', async () => {
    const a = join(dir, 'a');
    const b = join(dir, 'b');
    await writeTree(a, FIRMWARE);
    await writeTree(b, Object.fromEntries(Object.entries(FIRMWARE).reverse()));
    await utimes(join(b, 'src/main.ts'), new Date('2030-01-01'), new Date('2030-01-01'));
    const first = await packBundle(a);
    const second = await packBundle(b);
    expect(second.data.equals(first.data)).toBe(true);
    expect(first.sha256).toBe(sha256Hex(first.data));
    expect(first.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(first.size).toBe(first.data.length);
    expect(first.files).toEqual(['package.json', 'src/b/deep.ts', 'src/main.ts']);

    expect(firmwareTreeDigest(b)).toBe(firmwareTreeDigest(a));

    await writeFile(join(b, 'src/main.ts'), 'export async function start() { return 1; }\n');
    expect((await packBundle(b)).sha256).not.toBe(first.sha256);
    expect(firmwareTreeDigest(b)).not.toBe(firmwareTreeDigest(a));
  });

  it('unpacks to the same files, and the signature verifies only the untouched bundle', async () => {
    await writeTree(join(dir, 'fw'), FIRMWARE);
    const { key } = await loadOrCreateSigningKey(join(dir, 'key.pem'));
    const bundle = await packSignedBundle(join(dir, 'fw'), key);
    expect(bundleSignatureValid(bundle.data, bundle.signature, key.publicKey)).toBe(true);
    const tampered = Buffer.from(bundle.data);
    tampered[tampered.length - 10]! ^= 0xff;
    expect(bundleSignatureValid(tampered, bundle.signature, key.publicKey)).toBe(false);

    const written = await unpackBundle(bundle.data, join(dir, 'slot-b'));
    expect(written).toEqual(bundle.files);
    for (const [path, text] of Object.entries(FIRMWARE)) expect(await readFile(join(dir, 'slot-b', path), 'utf8')).toBe(text);
  });

  it('refuses entries that would land outside the target, and writes nothing then', async () => {
    const target = join(dir, 'slot');
    const hostile = [
      [{ name: 'ok.txt' }, { name: '../escape.txt', content: 'x' }],
      [{ name: 'a/../../escape.txt' }],
      [{ name: '/etc/escape.txt' }],
      [{ name: 'C:/escape.txt' }],
      [{ name: 'a\\..\\..\\escape.txt' }],
      [{ name: 'link', type: 'symlink' as const, linkname: '/etc' }, { name: 'link/passwd' }],
    ];
    for (const entries of hostile) {
      await expect(unpackBundle(await rawBundle(entries), target)).rejects.toBeInstanceOf(BundleRejectedError);
    }
    await expect(readdir(target)).rejects.toThrow('ENOENT');
    await expect(readdir(dir)).resolves.not.toContain('escape.txt');
  });

  it('accepts directory entries and ./ prefixes other packers write', async () => {
    const files = await readBundleFiles(await rawBundle([{ name: './', type: 'directory' }, { name: './src/', type: 'directory' }, { name: './src/main.js', content: 'hi' }]));
    expect([...files.entries()].map(([path, content]) => [path, content.toString()])).toEqual([['src/main.js', 'hi']]);
  });

  it('refuses what is not a tar.gz, and an empty or linked firmware directory', async () => {
    await expect(readBundleFiles(Buffer.from('not gzip'))).rejects.toThrow('not gzip data');
    await expect(readBundleFiles(await promisify(gzip)(Buffer.alloc(1024, 7)))).rejects.toBeInstanceOf(BundleRejectedError);
    await expect(packBundle(join(dir, 'none'))).rejects.toThrow('does not exist');
    await mkdir(join(dir, 'empty'));
    await expect(packBundle(join(dir, 'empty'))).rejects.toThrow('is empty');
    await writeTree(join(dir, 'linked'), FIRMWARE);
    await symlink('/etc/passwd', join(dir, 'linked', 'passwd'));
    await expect(packBundle(join(dir, 'linked'))).rejects.toThrow('regular files only');
  });
});
