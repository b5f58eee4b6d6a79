import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export type WorktreeState = 'clean' | 'dirty' | 'not-a-git-tree';

/**
 * Whether a rewrite in place could be undone with git: the folder is in a git work tree
 * and nothing under it is modified or untracked. Only the repo folder counts, so a
 * firmware folder inside a larger monorepo is judged on its own files.
 */
export async function worktreeStateOf(directory: string): Promise<WorktreeState> {
  try {
    const inside = await run('git', ['-C', directory, 'rev-parse', '--is-inside-work-tree']);
    if (inside.stdout.trim() !== 'true') return 'not-a-git-tree';
  } catch {
    return 'not-a-git-tree';
  }
  const status = await run('git', ['-C', directory, 'status', '--porcelain', '--untracked-files=all', '--', '.']);
  return status.stdout.trim() === '' ? 'clean' : 'dirty';
}
