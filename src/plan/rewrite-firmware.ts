import { stableStringify } from '../fs/atomic-write.js';
import type { EmitProgress } from '../progress/events.js';
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
 * `plan --firmware-repo`: runs the codemod over the repo in memory and returns what goes
 * into the plan, without touching the repo. Only the files the codemod changed (sources
 * and package.json) are kept, under firmware/ at their path in the repo; the bundle step
 * lays them over the repo.
 */
export async function rewriteFirmwareRepo(repoPath: string, onEvent?: EmitProgress): Promise<FirmwareRewrite> {
  // Loaded only here: the codemod brings the TypeScript compiler along.
  const { computeFirmwareRewrite } = await import('../codemods/rewrite-firmware-repo.js');
  const { report, changed } = await computeFirmwareRewrite({ repoPath, displayPath: repoPath, onEvent });
  const files = new Map<string, string>([[REWRITE_REPORT_FILE, stableStringify(report)]]);
  for (const [path, text] of changed) files.set(`${FIRMWARE_DIRECTORY}/${path}`, text);
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
