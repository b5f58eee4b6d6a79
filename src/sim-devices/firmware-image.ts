import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { build } from 'esbuild';

/**
 * A firmware image: a directory of runnable JavaScript as a device's flash slot holds
 * it. TypeScript sources are transpiled with esbuild beside the rest of the tree, and
 * the image gets a `node_modules` link to iotmigrate's own, which stand for the
 * device's runtime libraries (aws-iot-device-sdk-v2, azure-iot-device and -mqtt).
 *
 * Images are content-addressed under `<fleet-dir>/images/<id>`: a bundle by its
 * SHA-256, the factory firmware by a hash of its files. A device's slot names an image
 * rather than holding a copy, so 10,000 devices on one image load one module instance
 * (Node caches modules by URL) and one install serves all of them.
 */
export interface FirmwareImage {
  id: string;
  dir: string;
  /** The runnable entry module, absolute. */
  entryFile: string;
  /** The entry exports `start(options)`: run in process; otherwise one process per device. */
  exportsStart: boolean;
}

interface ImageRecord {
  id: string;
  entry: string;
  exportsStart: boolean;
}

/** Bumped when the layout of an image changes, so old image dirs are not reused. */
const IMAGE_FORMAT = 'iotmigrate-image-v1';
const RECORD_FILE = 'image.json';
const TRANSPILED = /\.(ts|mts|cts|tsx)$/;
const SKIPPED_DIRS = new Set(['node_modules', '.git', 'dist']);

/** The directory holding iotmigrate's dependencies, wherever npm put them. */
export function runtimeNodeModulesDir(): string {
  const require = createRequire(import.meta.url);
  const sdkPackage = require.resolve('aws-iot-device-sdk-v2/package.json');
  return dirname(dirname(sdkPackage));
}

export function imagesDirOf(fleetDir: string): string {
  return join(fleetDir, 'images');
}

/** The image built from a firmware source tree (the factory firmware), keyed by a hash of its files. */
export async function factoryImage(fleetDir: string, sourceDir: string, entryPoint: string): Promise<FirmwareImage> {
  const files = await listFiles(sourceDir);
  const hash = createHash('sha256').update(IMAGE_FORMAT).update(entryPoint);
  const contents = new Map<string, Buffer>();
  for (const file of files) {
    const content = await readFile(join(sourceDir, file));
    contents.set(file, content);
    hash.update(`\0${file}\0${content.length}\0`).update(content);
  }
  return installImage(fleetDir, hash.digest('hex'), contents, entryPoint);
}

/**
 * The image of a verified bundle, keyed by its SHA-256: unpacked (`files` read) only by
 * the first device of a wave to install it; the rest find it in place.
 */
export async function bundleImage(fleetDir: string, bundleSha256: string, files: () => Promise<Map<string, Buffer>>, entryPoint: string): Promise<FirmwareImage> {
  const existing = await existingImage(fleetDir, bundleSha256);
  if (!existing) return installImage(fleetDir, bundleSha256, await files(), entryPoint);
  const expected = join(existing.dir, entryPoint.replace(/^\.\//, '').replace(TRANSPILED, '.js'));
  if (existing.entryFile !== expected) throw new Error(`bundle ${bundleSha256} is installed with entry point ${existing.entryFile}, not ${entryPoint}`);
  return existing;
}

/** An image installed earlier (slots.json names it), or undefined when it is gone. */
export async function existingImage(fleetDir: string, id: string): Promise<FirmwareImage | undefined> {
  const dir = join(imagesDirOf(fleetDir), id);
  try {
    const record = JSON.parse(await readFile(join(dir, RECORD_FILE), 'utf8')) as ImageRecord;
    return { id, dir, entryFile: join(dir, record.entry), exportsStart: record.exportsStart };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

// One install per image at a time in this process; the rename below settles races between processes.
const installing = new Map<string, Promise<FirmwareImage>>();

function installImage(fleetDir: string, id: string, files: Map<string, Buffer>, entryPoint: string): Promise<FirmwareImage> {
  const key = `${fleetDir}\0${id}`;
  let pending = installing.get(key);
  if (!pending) {
    pending = (async () => (await existingImage(fleetDir, id)) ?? writeImage(fleetDir, id, files, entryPoint))();
    installing.set(key, pending);
    pending.finally(() => installing.delete(key)).catch(() => {});
  }
  return pending;
}

async function writeImage(fleetDir: string, id: string, files: Map<string, Buffer>, entryPoint: string): Promise<FirmwareImage> {
  const normalizedEntry = entryPoint.replace(/^\.\//, '');
  if (!files.has(normalizedEntry)) throw new Error(`the firmware has no entry point ${entryPoint}`);
  const imagesDir = imagesDirOf(fleetDir);
  const staging = join(imagesDir, `.${id}.${randomBytes(4).toString('hex')}`);
  try {
    await mkdir(staging, { recursive: true });
    for (const [file, content] of files) {
      if (TRANSPILED.test(file)) continue;
      await mkdir(dirname(join(staging, file)), { recursive: true });
      await writeFile(join(staging, file), content);
    }
    const sources = [...files.keys()].filter((file) => TRANSPILED.test(file) && !file.endsWith('.d.ts'));
    for (const file of sources) {
      await mkdir(dirname(join(staging, file)), { recursive: true });
      await writeFile(join(staging, file), files.get(file)!);
    }
    const esm = isEsmPackage(files.get('package.json'));
    const entryFile = normalizedEntry.replace(TRANSPILED, '.js');
    const exportsStart = await transpile(staging, sources, normalizedEntry, esm);
    await Promise.all(sources.map((file) => rm(join(staging, file))));
    await symlink(runtimeNodeModulesDir(), join(staging, 'node_modules'), 'dir');
    const record: ImageRecord = { id, entry: entryFile, exportsStart };
    await writeFile(join(staging, RECORD_FILE), `${JSON.stringify(record)}\n`);
    try {
      await rename(staging, join(imagesDir, id));
    } catch (error) {
      // Another process installed the same image first: same content, use theirs.
      if (!['EEXIST', 'ENOTEMPTY'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
      await rm(staging, { recursive: true, force: true });
    }
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
  return (await existingImage(fleetDir, id))!;
}

/**
 * Transpiles the TypeScript sources in place (types stripped, one file to one file, no
 * bundling, so the firmware's own imports resolve as written) and says whether the
 * entry module exports `start`. A JavaScript entry is only analysed.
 */
async function transpile(dir: string, sources: string[], entry: string, esm: boolean): Promise<boolean> {
  const entryIsSource = sources.includes(entry);
  if (sources.length > 0) {
    const result = await build({
      absWorkingDir: dir,
      entryPoints: sources,
      outdir: dir,
      outbase: dir,
      bundle: false,
      platform: 'node',
      target: 'node20',
      format: esm ? 'esm' : 'cjs',
      metafile: true,
      logLevel: 'silent',
    });
    if (entryIsSource) {
      const output = Object.entries(result.metafile.outputs).find(([, meta]) => meta.entryPoint === entry);
      return output?.[1].exports.includes('start') ?? false;
    }
  }
  const analysed = await build({ absWorkingDir: dir, entryPoints: [entry], bundle: false, write: false, metafile: true, logLevel: 'silent', outdir: join(dir, '.analyse') });
  // CommonJS modules list no exports here: such firmware runs one process per device.
  return Object.values(analysed.metafile.outputs).some((meta) => meta.exports.includes('start'));
}

function isEsmPackage(packageJson: Buffer | undefined): boolean {
  if (!packageJson) return false;
  try {
    return (JSON.parse(packageJson.toString('utf8')) as { type?: unknown }).type === 'module';
  } catch {
    return false;
  }
}

async function listFiles(root: string, dir = root): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) found.push(...(await listFiles(root, join(dir, entry.name))));
    } else if (entry.isFile()) {
      found.push(relative(root, join(dir, entry.name)).split(sep).join('/'));
    }
  }
  return found.sort();
}
