import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { listFirmwareSourceFiles } from '../detect/firmware/list-firmware-source-files.js';
import { InputError } from '../errors.js';
import { stableStringify } from '../fs/atomic-write.js';
import type { Plan } from './schema.js';

/** Inside the plan directory: the rewritten sources, and what was rewritten or left to do. */
export const FIRMWARE_DIRECTORY = 'firmware';
export const REWRITE_REPORT_FILE = 'rewrite-report.json';

export interface FirmwareRewrite {
  section: Plan['firmware'];
  /** Paths relative to the plan directory → content. */
  files: Map<string, string>;
}

/**
 * `plan --firmware-repo`: runs the codemod over the repo's JS/TS sources and returns what
 * goes into the plan, without touching the repo. Only rewritten files are kept, under
 * firmware/ at their path in the repo; the bundle step lays them over the repo.
 */
export async function rewriteFirmwareRepo(repoPath: string): Promise<FirmwareRewrite> {
  const root = resolve(repoPath);
  const info = await stat(root).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new InputError(`--firmware-repo ${repoPath} is not a directory`, { hint: 'pass the root of the device firmware repo' });
  }
  const paths = await listFirmwareSourceFiles(root);
  const sources = new Map<string, string>();
  for (const path of paths) sources.set(path, await readFile(join(root, path), 'utf8'));
  const packageJson = await readFile(join(root, 'package.json'), 'utf8').catch(() => undefined);
  const packageType = packageJson !== undefined && (JSON.parse(packageJson) as { type?: unknown }).type === 'module' ? 'module' : 'commonjs';

  // Loaded only here: the codemod brings the TypeScript compiler along.
  const [{ rewriteFirmwareSources }, { buildRewriteReport }] = await Promise.all([
    import('../codemods/rewrite-firmware-sources.js'),
    import('../codemods/report/rewrite-report.js'),
  ]);
  const rewrites = rewriteFirmwareSources({ files: sources, packageType });
  const report = buildRewriteReport(
    repoPath,
    rewrites.map((rewrite) => ({ path: rewrite.path, status: rewrite.status, ...(rewrite.reason ? { reason: rewrite.reason } : {}) })),
    rewrites.flatMap((rewrite) => rewrite.findings),
  );

  const files = new Map<string, string>([[REWRITE_REPORT_FILE, stableStringify(report)]]);
  for (const rewrite of rewrites) {
    if (rewrite.status === 'rewritten') files.set(`${FIRMWARE_DIRECTORY}/${rewrite.path}`, rewrite.rewritten);
  }
  return {
    section: {
      status: 'planned',
      repo: repoPath,
      directory: FIRMWARE_DIRECTORY,
      report: REWRITE_REPORT_FILE,
      files: report.summary.files,
      findings: report.summary.findings,
    },
    files,
  };
}
