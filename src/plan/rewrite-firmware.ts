import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { listRepoFiles } from '../codemods/output/repo-tree.js';
import { stableStringify } from '../fs/atomic-write.js';
import type { EmitProgress } from '../progress/events.js';
import type { FirmwareRelease, FirmwareReleaseInput } from './firmware-release.js';
import type { Plan } from './schema.js';

/** Inside the plan directory: the rewritten firmware, and what was rewritten or left to do. */
export const FIRMWARE_DIRECTORY = 'firmware';
export const REWRITE_REPORT_FILE = 'rewrite-report.json';

/** The rewrite's half of plan.json's firmware section; the release half comes from planFirmwareRelease. */
export type FirmwareRewriteSection = Omit<Extract<Plan['firmware'], { status: 'planned' }>, keyof FirmwareRelease>;

export interface FirmwareRewrite {
  section: FirmwareRewriteSection;
  /** Paths relative to the plan directory → content. */
  files: Map<string, string | Buffer>;
  /** What the release defaults are derived from: the rewritten package.json and the firmware's file list. */
  release: Pick<FirmwareReleaseInput, 'packageJson' | 'files'>;
}

/**
 * `plan --firmware-repo`: runs the codemod over the repo in memory and returns what goes
 * into the plan, without touching the repo. firmware/ gets the whole rewritten firmware
 * (every file of the repo but node_modules/ and .git/, the rewritten ones with their new
 * text), so the plan alone is what apply bundles and the devices run: apply never needs
 * the repo, and a reviewer sees exactly what ships.
 */
export async function rewriteFirmwareRepo(repoPath: string, onEvent?: EmitProgress): Promise<FirmwareRewrite> {
  // Loaded only here: the codemod brings the TypeScript compiler along.
  const { computeFirmwareRewrite } = await import('../codemods/rewrite-firmware-repo.js');
  const { report, changed } = await computeFirmwareRewrite({ repoPath, displayPath: repoPath, onEvent });
  const files = new Map<string, string | Buffer>([[REWRITE_REPORT_FILE, stableStringify(report)]]);
  const repoFiles = await listRepoFiles(repoPath);
  for (const path of repoFiles) {
    files.set(`${FIRMWARE_DIRECTORY}/${path}`, changed.get(path) ?? (await readFile(join(repoPath, path))));
  }
  const packageJsonText = changed.get('package.json') ?? (repoFiles.includes('package.json') ? await readFile(join(repoPath, 'package.json'), 'utf8') : undefined);
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
    // computeFirmwareRewrite has parsed package.json already, so it is valid JSON here.
    release: { packageJson: packageJsonText === undefined ? undefined : (JSON.parse(packageJsonText) as FirmwareReleaseInput['packageJson']), files: new Set(repoFiles) },
  };
}
