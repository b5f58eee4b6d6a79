import { copyFile, mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { writeFileAtomic } from '../../fs/atomic-write.js';
import { comparePaths } from '../../detect/firmware/list-firmware-source-files.js';

/** Installed dependencies and VCS data are not part of the firmware a rewrite hands back. */
const NOT_COPIED = new Set(['node_modules', '.git']);

/** Every regular file of the repo, relative, sorted; symbolic links are not followed. */
export async function listRepoFiles(root: string): Promise<string[]> {
  const files: string[] = [];
  const walk = async (relativeDirectory: string): Promise<void> => {
    const entries = await readdir(join(root, relativeDirectory), { withFileTypes: true });
    await Promise.all(
      entries.map(async (entry) => {
        const path = relativeDirectory === '' ? entry.name : `${relativeDirectory}/${entry.name}`;
        if (entry.isDirectory() && !NOT_COPIED.has(entry.name)) await walk(path);
        else if (entry.isFile()) files.push(path);
      }),
    );
  };
  await walk('');
  return files.sort(comparePaths);
}

/**
 * Writes the rewritten repo to `outDir`: files the rewrite changed with their new text
 * (each atomically), every other file copied as it is.
 */
export async function writeRewrittenCopy(repoRoot: string, outDir: string, changed: ReadonlyMap<string, string>): Promise<void> {
  const files = await listRepoFiles(repoRoot);
  const directories = new Set(files.map((path) => dirname(join(outDir, path))));
  await Promise.all([...directories].map((directory) => mkdir(directory, { recursive: true })));
  const copies = files.filter((path) => !changed.has(path));
  for (let start = 0; start < copies.length; start += 64) {
    await Promise.all(copies.slice(start, start + 64).map((path) => copyFile(join(repoRoot, path), join(outDir, path))));
  }
  await writeChangedFiles(outDir, changed);
}

export async function writeChangedFiles(root: string, changed: ReadonlyMap<string, string>): Promise<void> {
  const entries = [...changed.entries()];
  for (let start = 0; start < entries.length; start += 64) {
    await Promise.all(entries.slice(start, start + 64).map(([path, text]) => writeFileAtomic(join(root, path), text)));
  }
}

export type OutDirState = 'absent' | 'empty' | 'previous-rewrite' | 'other-content';

/** What is in --out already: a previous rewrite (its report) may be replaced, anything else only with --force. */
export async function outDirStateOf(outDir: string, reportName: string): Promise<OutDirState> {
  let entries: string[];
  try {
    entries = await readdir(outDir);
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return 'absent';
    throw error;
  }
  if (entries.length === 0) return 'empty';
  try {
    const report = JSON.parse(await readFile(join(outDir, reportName), 'utf8')) as { schemaVersion?: unknown; files?: unknown };
    if (typeof report.schemaVersion === 'number' && Array.isArray(report.files)) return 'previous-rewrite';
  } catch {
    // No readable report: not ours.
  }
  return 'other-content';
}

export async function clearDirectory(directory: string): Promise<void> {
  const entries = await readdir(directory);
  await Promise.all(entries.map((entry) => rm(join(directory, entry), { recursive: true, force: true })));
}

/** True when `inner` is `outer` or lies inside it. */
export function isWithin(outer: string, inner: string): boolean {
  const path = relative(resolve(outer), resolve(inner));
  return path === '' || (!path.startsWith(`..${sep}`) && path !== '..' && !path.startsWith(sep));
}

export async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
