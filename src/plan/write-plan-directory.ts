import { mkdir, mkdtemp, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from '../errors.js';

/** The file that marks a directory as an iotmigrate plan. */
export const PLAN_FILE = 'plan.json';

/**
 * Refuses an --out that exists and holds something other than an earlier plan, before
 * any work is done: re-planning must never clobber an unrelated directory.
 */
export async function assertPlanDirectoryUsable(outDir: string): Promise<void> {
  const info = await stat(outDir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (!info) return;
  if (!info.isDirectory()) throw new UsageError(`--out ${outDir} is a file, not a directory`, { hint: 'choose another --out' });
  const entries = await readdir(outDir);
  if (entries.length > 0 && !entries.includes(PLAN_FILE)) {
    throw new UsageError(`--out ${outDir} exists and is not an iotmigrate plan directory (no ${PLAN_FILE})`, {
      hint: 'choose another --out, or empty that directory',
    });
  }
}

/**
 * Writes a plan so that no one ever sees half of it. The files are written into a
 * staging directory beside the target first. A new plan directory is then renamed into
 * place in one step; an existing one gets each file renamed over its old version,
 * which keeps what the user added there, above all Terraform's state and lock files
 * in terraform/, which a whole-directory swap would throw away. The `replaceWhole`
 * entries (top-level files or directories the plan owns entirely) are removed from an
 * existing plan first, so nothing of an earlier plan lingers in them.
 */
export async function writePlanDirectory(
  outDir: string,
  files: ReadonlyMap<string, Iterable<string | Uint8Array>>,
  options: { replaceWhole: readonly string[] },
): Promise<void> {
  const target = resolve(outDir);
  await mkdir(dirname(target), { recursive: true });
  const staging = await mkdtemp(join(dirname(target), `.${basename(target)}.staging-`));
  try {
    for (const [path, chunks] of files) {
      await mkdir(dirname(join(staging, path)), { recursive: true });
      await writeChunks(join(staging, path), chunks);
    }
    const renamedWhole = await rename(staging, target).then(
      () => true,
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'EEXIST' || error.code === 'ENOTEMPTY' || error.code === 'EISDIR') return false;
        throw error;
      },
    );
    if (renamedWhole) return;
    const replaced = join(staging, '.replaced');
    await mkdir(replaced);
    for (const entry of options.replaceWhole) {
      await rename(join(target, entry), join(replaced, entry)).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
    }
    for (const path of files.keys()) {
      await mkdir(dirname(join(target, path)), { recursive: true });
      await rename(join(staging, path), join(target, path));
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/**
 * Large files come in many small chunks; writing them in ~1 MB batches saves syscalls.
 * Binary chunks (firmware files that are not text) are written as they are.
 */
async function writeChunks(path: string, chunks: Iterable<string | Uint8Array>): Promise<void> {
  const file = await open(path, 'w', 0o644);
  try {
    let batch: string[] = [];
    let size = 0;
    for (const chunk of chunks) {
      if (typeof chunk !== 'string') {
        await file.write(batch.join(''));
        batch = [];
        size = 0;
        await file.write(chunk);
        continue;
      }
      batch.push(chunk);
      size += chunk.length;
      if (size >= 1 << 20) {
        await file.write(batch.join(''));
        batch = [];
        size = 0;
      }
    }
    await file.write(batch.join(''));
  } finally {
    await file.close();
  }
}
