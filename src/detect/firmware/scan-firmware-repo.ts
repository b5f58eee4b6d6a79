import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InputError } from '../../errors.js';
import type { FirmwareFileFinding, FirmwareRepo } from '../../manifest/schema.js';
import { comparePaths, listFirmwareSourceFiles } from './list-firmware-source-files.js';

/**
 * Files read concurrently before they are parsed one by one: reading them one at a time
 * leaves the scan waiting on the disk most of the time, reading all at once holds a
 * whole large repo in memory.
 */
const READ_BATCH_SIZE = 64;

export interface ScanFirmwareRepoOptions {
  /** How the repo appears in the manifest; defaults to repoPath as given. */
  displayPath?: string;
}

/**
 * Finds which files of a device firmware repo use AWS IoT, how (SDK flavour, topics,
 * shadow, jobs, provisioning), so plan knows what the codemods must rewrite.
 */
export async function scanFirmwareRepo(repoPath: string, options: ScanFirmwareRepoOptions = {}): Promise<FirmwareRepo> {
  const root = resolve(repoPath);
  await assertDirectory(root, repoPath);
  const [sourceFiles, packageName] = await Promise.all([listFirmwareSourceFiles(root), readPackageName(root, repoPath)]);

  // Loaded here, not at the top: ts-morph bundles the TypeScript compiler, and every
  // other command would pay for loading it.
  const [{ Project }, { analyseFirmwareSource, hasFirmwareFindings }] = await Promise.all([
    import('ts-morph'),
    import('./analyse-firmware-source.js'),
  ]);
  const project = new Project({
    useInMemoryFileSystem: false,
    skipAddingFilesFromTsConfig: true,
    skipFileDependencyResolution: true,
    compilerOptions: { allowJs: true },
  });

  const files: FirmwareFileFinding[] = [];
  for (let start = 0; start < sourceFiles.length; start += READ_BATCH_SIZE) {
    const batch = sourceFiles.slice(start, start + READ_BATCH_SIZE);
    const texts = await Promise.all(batch.map((relativePath) => readFile(join(root, relativePath), 'utf8')));
    batch.forEach((relativePath, index) => {
      const sourceFile = project.createSourceFile(join(root, relativePath), texts[index], { overwrite: true });
      const findings = analyseFirmwareSource(sourceFile.compilerNode);
      // Each file is analysed once; dropping its tree keeps memory flat on large repos.
      project.removeSourceFile(sourceFile);
      if (hasFirmwareFindings(findings)) files.push({ path: relativePath, ...findings });
    });
  }

  const flavours = new Set(files.flatMap((file) => file.flavours));
  return {
    path: options.displayPath ?? repoPath,
    packageName,
    flavours: [...flavours].sort(),
    filesScanned: sourceFiles.length,
    files: files.sort((a, b) => comparePaths(a.path, b.path)),
  };
}

async function assertDirectory(root: string, repoPath: string): Promise<void> {
  const hint = 'Pass --firmware-repo the root folder of the device firmware source (the one with its package.json).';
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(root)).isDirectory();
  } catch (error) {
    if (isErrnoCode(error, 'ENOENT') || isErrnoCode(error, 'ENOTDIR')) {
      throw new InputError(`Firmware repo ${repoPath} does not exist.`, { hint, cause: error });
    }
    throw error;
  }
  if (!isDirectory) throw new InputError(`Firmware repo ${repoPath} is a file, not a directory.`, { hint });
}

/** The repo's npm package name; null when it has no package.json or the file names no package. */
async function readPackageName(root: string, repoPath: string): Promise<string | null> {
  let text: string;
  try {
    text = await readFile(join(root, 'package.json'), 'utf8');
  } catch (error) {
    if (isErrnoCode(error, 'ENOENT')) return null;
    throw error;
  }
  let manifest: unknown;
  try {
    manifest = JSON.parse(text);
  } catch (error) {
    throw new InputError(`${join(repoPath, 'package.json')} is not valid JSON.`, {
      hint: 'Fix the JSON syntax in that package.json, then run detect again.',
      cause: error,
    });
  }
  if (typeof manifest === 'object' && manifest !== null && 'name' in manifest && typeof manifest.name === 'string') {
    return manifest.name;
  }
  return null;
}

function isErrnoCode(error: unknown, code: string): boolean {
  return error instanceof Error && 'code' in error && error.code === code;
}
