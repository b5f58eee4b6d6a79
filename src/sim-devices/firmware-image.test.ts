import { lstat, mkdtemp, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packBundle, readBundleFiles } from '../ota/bundle.js';
import { bundleImage, factoryImage, runtimeNodeModulesDir } from './firmware-image.js';

const repo = (path: string) => fileURLToPath(new URL(`../../fixtures/${path}`, import.meta.url));
let fleetDir: string;

beforeAll(async () => {
  fleetDir = await mkdtemp(join(tmpdir(), 'iotmigrate-images-'));
});
afterAll(async () => {
  await rm(fleetDir, { recursive: true, force: true });
});

describe('firmware images', () => {
  it('transpiles TypeScript firmware into a runnable image linked to iotmigrate’s node_modules, once per content', async () => {
    const image = await factoryImage(fleetDir, repo('firmware-repos/thermostat-v2'), 'src/main.ts');
    expect(image).toMatchObject({ entryFile: join(image.dir, 'src/main.js'), exportsStart: true });
    expect(image.id).toMatch(/^[0-9a-f]{64}$/);
    expect(await readlink(join(image.dir, 'node_modules'))).toBe(runtimeNodeModulesDir());
    await expect(lstat(join(image.dir, 'src/main.ts'))).rejects.toThrow(/ENOENT/);
    expect(await factoryImage(fleetDir, repo('firmware-repos/thermostat-v2'), 'src/main.ts')).toEqual(image);
    const module = (await import(pathToFileURL(image.entryFile).href)) as { start?: unknown };
    expect(typeof module.start).toBe('function');
  });

  it('loads the rewritten firmware from a bundle: azure-iot-device resolves through the link (CJS default import)', async () => {
    const packed = await packBundle(repo('firmware-repos-rewritten/thermostat-v2'));
    const image = await bundleImage(fleetDir, packed.sha256, () => readBundleFiles(packed.data), 'src/main.ts');
    expect(image.id).toBe(packed.sha256);
    expect(image.exportsStart).toBe(true);
    const connection = (await import(pathToFileURL(join(image.dir, 'src/connection.js')).href)) as { createConnection: unknown };
    expect(typeof connection.createConnection).toBe('function');
    expect(typeof ((await import(pathToFileURL(image.entryFile).href)) as { start?: unknown }).start).toBe('function');
    const unread = () => Promise.reject(new Error('an installed image is not unpacked again'));
    expect(await bundleImage(fleetDir, packed.sha256, unread, 'src/main.ts')).toEqual(image);
    await expect(bundleImage(fleetDir, packed.sha256, unread, 'src/other.ts')).rejects.toThrow(/installed with entry point .*src\/main.js, not src\/other.ts/);
  });

  it('marks firmware without a start export for one process per device', async () => {
    const image = await factoryImage(fleetDir, repo('firmware-repos/legacy-v1-js'), 'index.js');
    expect(image).toMatchObject({ exportsStart: false, entryFile: join(image.dir, 'index.js') });
  });

  it('refuses an entry point the firmware does not have', async () => {
    await expect(factoryImage(fleetDir, repo('firmware-repos/thermostat-v2'), 'src/nope.ts')).rejects.toThrow(/no entry point src\/nope.ts/);
  });
});
