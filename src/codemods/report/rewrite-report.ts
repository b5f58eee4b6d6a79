import { comparePaths } from '../../detect/firmware/list-firmware-source-files.js';

export const REWRITE_REPORT_SCHEMA_VERSION = 1;

/** The families of AWS constructs the report speaks about. */
export type RewriteConstruct =
  | 'connection'
  | 'connection-option'
  | 'endpoint-config'
  | 'client-type'
  | 'telemetry'
  | 'command'
  | 'shadow'
  | 'lifecycle'
  | 'qos-constant'
  | 'jobs'
  | 'provisioning'
  | 'custom-auth'
  | 'websockets'
  | 'shared-subscription'
  | 'greengrass'
  | 'unmapped-sdk-use'
  | 'import'
  | 'dependencies';

export type FindingAction = 'rewritten' | 'todo';

export interface RewriteFinding {
  path: string;
  /** Line in the rewritten file: the TODO comment's line for a todo, the rewritten code's for the rest. */
  line: number;
  /** Line of the construct in the original file. */
  originalLine: number;
  construct: RewriteConstruct;
  action: FindingAction;
  /** What was done, or what the developer must decide. */
  note: string;
  transform: string;
}

export type FileStatus = 'rewritten' | 'unchanged' | 'skipped' | 'error';

export interface RewriteFileRow {
  path: string;
  status: FileStatus;
  /** Why a file was skipped, or the error that stopped its rewrite. */
  reason?: string;
}

export interface RewriteReport {
  schemaVersion: typeof REWRITE_REPORT_SCHEMA_VERSION;
  /** The repo as it was given, so the report reads the same on every machine. */
  repo: string;
  summary: {
    files: Record<FileStatus, number>;
    findings: Record<FindingAction, number>;
  };
  files: RewriteFileRow[];
  findings: RewriteFinding[];
}

export function buildRewriteReport(repo: string, files: RewriteFileRow[], findings: RewriteFinding[]): RewriteReport {
  const fileCounts: Record<FileStatus, number> = { rewritten: 0, unchanged: 0, skipped: 0, error: 0 };
  for (const file of files) fileCounts[file.status] += 1;
  const findingCounts: Record<FindingAction, number> = { rewritten: 0, todo: 0 };
  for (const finding of findings) findingCounts[finding.action] += 1;
  return {
    schemaVersion: REWRITE_REPORT_SCHEMA_VERSION,
    repo,
    summary: { files: fileCounts, findings: findingCounts },
    files: [...files].sort((a, b) => comparePaths(a.path, b.path)),
    findings: [...findings].sort(
      (a, b) => comparePaths(a.path, b.path) || a.line - b.line || a.construct.localeCompare(b.construct, 'en') || a.note.localeCompare(b.note, 'en'),
    ),
  };
}
