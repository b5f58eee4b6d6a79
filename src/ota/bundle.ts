import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, type Stats } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, posix, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { extract as tarExtract, pack as tarPack } from 'tar-stream';
import { InputError } from '../errors.js';
import { signBundle, type SigningKey } from './signing-key.js';

/**
 * The firmware bundle: a tar.gz of plan/firmware/ that the update agent downloads,
 * checks (SHA-256, ed25519 signature) and unpacks into its other slot.
 *
 * Packing is deterministic: the same files give the same bytes, hence the same SHA-256
 * and signature, whenever they are packed, so a reviewer can re-pack a plan and compare
 * with what was uploaded. So: entries sorted by path in code-unit order,
 * regular files only (directories are implied by the paths), mtime 0, mode 0644,
 * uid/gid 0 with no owner names, and gzip at a fixed level with a fixed header (no
 * timestamp, no file name, a pinned OS byte). One caveat: another zlib (a different
 * Node.js build) may deflate the same tar differently, which is why apply decides
 * whether to re-pack from firmwareTreeDigest, never from the bundle's bytes.
 */
export interface PackedBundle {
  /** The tar.gz bytes. */
  data: Buffer;
  /** Lower-case hex SHA-256 of `data`. */
  sha256: string;
  size: number;
  /** Paths inside the bundle, sorted. */
  files: string[];
}

export interface SignedBundle extends PackedBundle {
  /** Base64 ed25519 signature of `data`. */
  signature: string;
}

const GZIP_LEVEL = 9;
const GZIP_OS_BYTE = 9;
const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** Packs every regular file under `directory` (refusing links and other special files). */
export async function packBundle(directory: string): Promise<PackedBundle> {
  const files = listBundleFiles(directory);
  const pack = tarPack();
  const chunks: Buffer[] = [];
  pack.on('data', (chunk) => chunks.push(chunk as Buffer));
  const ended = new Promise<void>((resolvePack, reject) => {
    pack.on('end', resolvePack);
    pack.on('error', reject);
  });
  for (const path of files) {
    const content = await readFile(join(directory, ...path.split('/')));
    await new Promise<void>((resolveEntry, reject) => {
      pack.entry(
        { name: path, size: content.length, mode: 0o644, mtime: new Date(0), uid: 0, gid: 0, uname: '', gname: '', type: 'file' },
        content,
        (error) => (error ? reject(error) : resolveEntry()),
      );
    });
  }
  pack.finalize();
  await ended;
  const data = await gzipAsync(Buffer.concat(chunks), { level: GZIP_LEVEL });
  // The gzip header's OS byte is zlib's build-time guess; pin it (3, Unix) so it cannot
  // differ between platforms. The deflate stream itself is the same for the same zlib.
  data[GZIP_OS_BYTE] = 3;
  return { data, sha256: sha256Hex(data), size: data.length, files };
}

/** packBundle, signed with the firmware code-signing key. */
export async function packSignedBundle(directory: string, key: SigningKey): Promise<SignedBundle> {
  const bundle = await packBundle(directory);
  return { ...bundle, signature: signBundle(bundle.data, key) };
}

export function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * A digest of the firmware tree (paths and contents) that changes exactly when the
 * bundle would: apply compares it with the recorded bundle's to decide, before asking
 * anything, whether plan/firmware has to be packed again. Synchronous, because a
 * stage's preview is; firmware trees are small.
 */
export function firmwareTreeDigest(directory: string): string {
  const hash = createHash('sha256');
  for (const path of listBundleFiles(directory)) {
    hash.update(`${path}\0${sha256Hex(readFileSync(join(directory, ...path.split('/'))))}\n`);
  }
  return hash.digest('hex');
}

/** Regular files under `directory`, as `/`-separated relative paths in code-unit order. */
function listBundleFiles(directory: string): string[] {
  const info = statOrUndefined(directory);
  if (!info) {
    throw new InputError(`there is no firmware to bundle: ${directory} does not exist`, { hint: 'plan again with --firmware-repo DIR, which writes it' });
  }
  if (!info.isDirectory()) throw new InputError(`${directory} is not a directory; there is no firmware to bundle`);
  const files: string[] = [];
  const walk = (relative: string): void => {
    const here = relative === '' ? directory : join(directory, ...relative.split('/'));
    for (const entry of readdirSync(here, { withFileTypes: true })) {
      const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) files.push(path);
      else {
        // A link would make the bundle depend on files outside it, or escape on the device.
        throw new InputError(`${join(directory, path)} is not a regular file; a firmware bundle holds regular files only`, {
          hint: 'replace it with the file it stands for, or plan again',
        });
      }
    }
  };
  walk('');
  if (files.length === 0) throw new InputError(`there is no firmware to bundle: ${directory} is empty`, { hint: 'plan again with --firmware-repo DIR' });
  return files.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** A bundle that is not a well-formed tar.gz or names a path outside its target. */
export class BundleRejectedError extends InputError {}

/**
 * Reads a bundle's files into memory, checking every entry first: only regular files
 * (directories are accepted and implied), each at a relative path that stays inside
 * the bundle (no absolute paths, no `..`, no backslashes or NUL). Links are refused:
 * one pointing outside would let a later entry write through it.
 */
export async function readBundleFiles(data: Buffer): Promise<Map<string, Buffer>> {
  let tarBytes: Buffer;
  try {
    tarBytes = await gunzipAsync(data);
  } catch (error) {
    throw new BundleRejectedError(`the bundle is not gzip data: ${(error as Error).message}`, { cause: error });
  }
  const files = new Map<string, Buffer>();
  const extract = tarExtract();
  const done = (async () => {
    for await (const entry of extract) {
      const { header } = entry;
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      if (header.type === 'directory') {
        safeBundlePath(header.name, { directory: true });
        continue;
      }
      if (header.type !== 'file' && header.type !== 'contiguous-file') {
        throw new BundleRejectedError(`the bundle's entry ${JSON.stringify(header.name)} is a ${header.type}; only regular files are accepted`);
      }
      const path = safeBundlePath(header.name);
      if (files.has(path)) throw new BundleRejectedError(`the bundle holds ${JSON.stringify(path)} twice`);
      files.set(path, Buffer.concat(chunks));
    }
  })();
  extract.end(tarBytes);
  try {
    await done;
  } catch (error) {
    if (error instanceof BundleRejectedError) throw error;
    throw new BundleRejectedError(`the bundle is not a readable tar archive: ${(error as Error).message}`, { cause: error });
  }
  return files;
}

/**
 * Unpacks a bundle into `targetDir` (made when missing) and returns the paths written.
 * Every entry is checked before anything is written, so a refused bundle leaves the
 * target as it was. Verify the SHA-256 and signature before calling this, and unpack
 * into an empty directory: a link already in the target would be followed.
 */
export async function unpackBundle(data: Buffer, targetDir: string): Promise<string[]> {
  const files = await readBundleFiles(data);
  const root = resolve(targetDir);
  for (const [path, content] of files) {
    const target = resolve(root, ...path.split('/'));
    // Belt and braces over safeBundlePath: the resolved path must lie under the target.
    if (!target.startsWith(root + sep)) throw new BundleRejectedError(`the bundle's entry ${JSON.stringify(path)} escapes ${targetDir}`);
    await mkdir(resolve(target, '..'), { recursive: true });
    await writeFile(target, content, { mode: 0o644 });
  }
  return [...files.keys()];
}

/** The entry's path, normalised, or a BundleRejectedError when it could leave the bundle. */
function safeBundlePath(name: string, options: { directory?: boolean } = {}): string {
  const refuse = (why: string) => new BundleRejectedError(`the bundle's entry ${JSON.stringify(name)} ${why}; refused`);
  if (name.includes('\0') || name.includes('\\')) throw refuse('holds a NUL or a backslash');
  if (posix.isAbsolute(name) || /^[A-Za-z]:/.test(name)) throw refuse('is an absolute path');
  const segments = name.split('/').filter((segment) => segment !== '' && segment !== '.');
  if (segments.includes('..')) throw refuse('climbs out with ".."');
  if (segments.length === 0 && !options.directory) throw refuse('names no file');
  return segments.join('/');
}
