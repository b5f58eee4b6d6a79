import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Dependencies, build output and VCS data: not the firmware's own source. */
const SKIPPED_DIRECTORIES = new Set(['node_modules', 'dist', 'build', '.git']);

const SOURCE_FILE = /\.(ts|tsx|mts|cts|js|mjs|cjs)$/;
/** Declaration files hold no code that runs on the device; a `declare module 'aws-iot-device-sdk'` shim is not a use. */
const DECLARATION_FILE = /\.d\.(ts|mts|cts)$/;

/**
 * Every JavaScript and TypeScript source file under root, as sorted paths relative to
 * root with forward slashes. Symbolic links are not followed, so a link cycle or a link
 * into a shared checkout cannot make the scan run away.
 */
export async function listFirmwareSourceFiles(root: string): Promise<string[]> {
  const files: string[] = [];
  const walk = async (relativeDirectory: string): Promise<void> => {
    const entries = await readdir(join(root, relativeDirectory), { withFileTypes: true });
    const subdirectories: string[] = [];
    for (const entry of entries) {
      const relativePath = relativeDirectory === '' ? entry.name : `${relativeDirectory}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRECTORIES.has(entry.name)) subdirectories.push(relativePath);
      } else if (entry.isFile() && SOURCE_FILE.test(entry.name) && !DECLARATION_FILE.test(entry.name)) {
        files.push(relativePath);
      }
    }
    await Promise.all(subdirectories.map(walk));
  };
  await walk('');
  return files.sort(comparePaths);
}

/** Code-unit order, so the result does not depend on the machine's locale. */
export function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
