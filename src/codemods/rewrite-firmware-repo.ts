import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ts } from 'ts-morph';
import { comparePaths, listFirmwareSourceFiles } from '../detect/firmware/list-firmware-source-files.js';
import { InputError, UsageError } from '../errors.js';
import { stableStringify, writeFileAtomic } from '../fs/atomic-write.js';
import type { EmitProgress } from '../progress/events.js';
import { worktreeStateOf } from './output/git-worktree-state.js';
import { clearDirectory, isWithin, outDirStateOf, writeChangedFiles, writeRewrittenCopy } from './output/repo-tree.js';
import { unifiedDiff } from './output/unified-diff.js';
import { packageTypeOf, parsePackageJson, rewritePackageJson, AZURE_DEVICE_PACKAGES } from './package-json/rewrite-package-json.js';
import { buildRewriteReport, type RewriteFileRow, type RewriteFinding, type RewriteReport } from './report/rewrite-report.js';
import { rewriteFirmwareSources, type FileRewrite } from './rewrite-firmware-sources.js';
import { FIRMWARE_TRANSFORMS } from './transforms/firmware-transforms.js';
import type { Transform } from './transforms/transform.js';

export const REPORT_FILE_NAME = 'rewrite-report.json';

/** Source files read at once: enough to keep the disk busy, few enough to bound memory. */
const READ_BATCH_SIZE = 64;

export type RewriteOutput =
  /** A rewritten copy in `path`. `replace` lets it write into a folder that holds something else. */
  | { kind: 'directory'; path: string; replace?: boolean }
  /** Rewrite the repo's own files; refused on a dirty or untracked tree unless `force`. */
  | { kind: 'in-place'; force?: boolean }
  /** Compute everything, write nothing, return the unified diff. */
  | { kind: 'dry-run' };

export interface RewriteFirmwareRepoOptions {
  repoPath: string;
  output: RewriteOutput;
  /** Where rewrite-report.json goes; defaults to the output folder (the repo itself in place). */
  reportPath?: string;
  /** How the repo appears in the report and messages; defaults to repoPath as given. */
  displayPath?: string;
  /** Defaults to every firmware transform. */
  transforms?: readonly Transform[];
  onEvent?: EmitProgress;
}

export interface RewriteFirmwareRepoResult {
  report: RewriteReport;
  /** Where the report was written; undefined for a dry run. */
  reportPath?: string;
  /** The unified diff of every changed file, for a dry run. */
  diff?: string;
  /** Relative paths of the files whose text changed. */
  changedFiles: string[];
  counts: Record<string, number>;
  summaryLines: string[];
}

/**
 * Rewrites a firmware repo from the AWS IoT device SDKs to the Azure IoT device SDK:
 * reads every JS and TS source once, runs the transforms, rewrites package.json, then
 * writes (to a copy, in place, or nowhere for a dry run) only at the end, each file
 * atomically, and the report beside it. A file whose rewrite fails is an `error` row
 * in the report and the others go on.
 */
export async function rewriteFirmwareRepo(options: RewriteFirmwareRepoOptions): Promise<RewriteFirmwareRepoResult> {
  const emit = options.onEvent ?? (() => {});
  const root = resolve(options.repoPath);
  const displayPath = options.displayPath ?? options.repoPath;
  await assertRepoDirectory(root, displayPath);
  await assertOutputUsable(root, displayPath, options.output);

  emit({ type: 'stage', stage: 'rewrite', status: 'started', title: `Rewriting ${displayPath} for the Azure IoT device SDK` });
  const rewrite = await computeFirmwareRewrite({ ...options, displayPath });
  const reportPath = await writeOutput(root, options, rewrite.changed, rewrite.report);
  emit({ type: 'stage', stage: 'rewrite', status: 'finished' });

  const summary = rewrite.report.summary;
  const counts = {
    files: rewrite.report.files.length,
    rewritten: summary.files.rewritten,
    unchanged: summary.files.unchanged,
    skipped: summary.files.skipped,
    errors: summary.files.error,
    todos: summary.findings.todo,
    mapped: summary.findings.rewritten,
  };
  const diff = options.output.kind === 'dry-run' ? [...rewrite.changed.keys()].map((path) => unifiedDiff(path, rewrite.originals.get(path) ?? '', rewrite.changed.get(path)!)).join('') : undefined;
  return {
    report: rewrite.report,
    ...(reportPath === undefined ? {} : { reportPath }),
    ...(diff === undefined ? {} : { diff }),
    changedFiles: [...rewrite.changed.keys()],
    counts,
    summaryLines: summaryLinesOf(displayPath, options.output, counts, reportPath),
  };
}

export interface ComputeFirmwareRewriteOptions {
  repoPath: string;
  displayPath?: string;
  transforms?: readonly Transform[];
  onEvent?: EmitProgress;
}

export interface FirmwareRewriteResult {
  report: RewriteReport;
  /** Relative path → new text, for every file whose text changed (package.json included), sorted by path. */
  changed: Map<string, string>;
  /** Relative path → original text, for the same files. */
  originals: Map<string, string>;
}

/**
 * The rewrite of a repo, in memory: what every changed file becomes and the report,
 * with nothing written. `plan --firmware-repo` lays `changed` into plan/firmware/;
 * rewriteFirmwareRepo writes it to a copy or in place.
 */
export async function computeFirmwareRewrite(options: ComputeFirmwareRewriteOptions): Promise<FirmwareRewriteResult> {
  const emit = options.onEvent ?? (() => {});
  const root = resolve(options.repoPath);
  const displayPath = options.displayPath ?? options.repoPath;
  await assertRepoDirectory(root, displayPath);
  const packageJsonText = await readOptional(join(root, 'package.json'));
  const manifest = packageJsonText === undefined ? undefined : parsePackageJson(packageJsonText, join(displayPath, 'package.json'));

  const sourcePaths = await listFirmwareSourceFiles(root);
  const files = new Map<string, string>();
  for (let start = 0; start < sourcePaths.length; start += READ_BATCH_SIZE) {
    const batch = sourcePaths.slice(start, start + READ_BATCH_SIZE);
    const texts = await Promise.all(batch.map((path) => readFile(join(root, path), 'utf8')));
    batch.forEach((path, index) => files.set(path, texts[index]!));
    emit({ type: 'progress', stage: 'rewrite', resource: 'files read', done: files.size, total: sourcePaths.length });
  }

  const started = Date.now();
  const rewrites = rewriteFirmwareSources({ files, packageType: packageTypeOf(manifest) }, options.transforms ?? FIRMWARE_TRANSFORMS, (done, total) => {
    emit({ type: 'progress', stage: 'rewrite', resource: 'files processed', done, total, ratePerSecond: ratePerSecond(done, started) });
  });

  const changed = new Map<string, string>();
  const originals = new Map<string, string>();
  const rows: RewriteFileRow[] = [];
  const findings: RewriteFinding[] = [];
  for (const rewrite of rewrites) {
    if (rewrite.status === 'error') emit({ type: 'warning', code: 'rewrite-file-error', message: `${rewrite.path}: ${rewrite.reason ?? 'failed'}`, subject: rewrite.path });
    rows.push(rowOf(rewrite));
    findings.push(...rewrite.findings);
    if (rewrite.status === 'rewritten') {
      changed.set(rewrite.path, rewrite.rewritten);
      originals.set(rewrite.path, rewrite.original);
    }
  }
  if (packageJsonText !== undefined) {
    const packageJson = rewritePackageJson(packageJsonText, join(displayPath, 'package.json'), packageUseOf(rewrites));
    rows.push({ path: 'package.json', status: packageJson.changed ? 'rewritten' : 'unchanged' });
    findings.push(...packageJson.findings);
    if (packageJson.changed) {
      changed.set('package.json', packageJson.rewritten);
      originals.set('package.json', packageJsonText);
    }
  } else if (changed.size > 0) {
    findings.push(missingPackageJsonFinding());
  }
  const sorted = (map: Map<string, string>): Map<string, string> => new Map([...map.entries()].sort(([a], [b]) => comparePaths(a, b)));
  return { report: buildRewriteReport(displayPath, rows, findings), changed: sorted(changed), originals: sorted(originals) };
}

async function writeOutput(
  root: string,
  options: RewriteFirmwareRepoOptions,
  changed: ReadonlyMap<string, string>,
  report: RewriteReport,
): Promise<string | undefined> {
  const output = options.output;
  if (output.kind === 'dry-run') return undefined;
  const reportText = stableStringify(report);
  if (output.kind === 'in-place') {
    await writeChangedFiles(root, changed);
    const reportPath = resolve(options.reportPath ?? join(root, REPORT_FILE_NAME));
    await writeFileAtomic(reportPath, reportText);
    return reportPath;
  }
  const outDir = resolve(output.path);
  if ((await outDirStateOf(outDir, REPORT_FILE_NAME)) === 'previous-rewrite') await clearDirectory(outDir);
  await writeRewrittenCopy(root, outDir, changed);
  const reportPath = resolve(options.reportPath ?? join(outDir, REPORT_FILE_NAME));
  await writeFileAtomic(reportPath, reportText);
  return reportPath;
}

async function assertRepoDirectory(root: string, displayPath: string): Promise<void> {
  const hint = 'Pass the root folder of the device firmware source (the one with its package.json).';
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(root)).isDirectory();
  } catch (error) {
    if (error instanceof Error && 'code' in error && (error.code === 'ENOENT' || error.code === 'ENOTDIR')) {
      throw new InputError(`Firmware repo ${displayPath} does not exist.`, { hint, cause: error });
    }
    throw error;
  }
  if (!isDirectory) throw new InputError(`Firmware repo ${displayPath} is a file, not a directory.`, { hint });
}

/** Checked before any work, so a refused run costs nothing and writes nothing. */
async function assertOutputUsable(root: string, displayPath: string, output: RewriteOutput): Promise<void> {
  if (output.kind === 'dry-run') return;
  if (output.kind === 'in-place') {
    if (output.force) return;
    const state = await worktreeStateOf(root);
    if (state === 'not-a-git-tree') {
      throw new UsageError(`${displayPath} is not in a git work tree, so a rewrite in place could not be undone.`, {
        hint: 'Commit the firmware to git first, write the rewrite elsewhere with --out DIR, or pass --force.',
      });
    }
    if (state === 'dirty') {
      throw new UsageError(`${displayPath} has uncommitted changes, which a rewrite in place would mix with its own.`, {
        hint: 'Commit or stash them first, write the rewrite elsewhere with --out DIR, or pass --force.',
      });
    }
    return;
  }
  const outDir = resolve(output.path);
  if (isWithin(root, outDir) || isWithin(outDir, root)) {
    throw new UsageError(`--out ${output.path} overlaps the firmware repo ${displayPath}.`, {
      hint: 'Choose an output folder outside the repo, or rewrite the repo itself with --in-place.',
    });
  }
  const state = await outDirStateOf(outDir, REPORT_FILE_NAME);
  if (state === 'other-content' && !output.replace) {
    throw new UsageError(`--out ${output.path} already holds files that are not an earlier rewrite.`, {
      hint: 'Choose an empty or new folder, or pass --force to write over it.',
    });
  }
}

function rowOf(rewrite: FileRewrite): RewriteFileRow {
  return rewrite.reason === undefined ? { path: rewrite.path, status: rewrite.status } : { path: rewrite.path, status: rewrite.status, reason: rewrite.reason };
}

/** Which packages the sources import before and after, from their import and require specifiers. */
function packageUseOf(rewrites: readonly FileRewrite[]): { importedBefore: Set<string>; importedAfter: Set<string> } {
  const importedBefore = new Set<string>();
  const importedAfter = new Set<string>();
  for (const rewrite of rewrites) {
    for (const name of importedPackages(rewrite.original)) importedBefore.add(name);
    for (const name of rewrite.status === 'rewritten' ? importedPackages(rewrite.rewritten) : importedPackages(rewrite.original)) {
      importedAfter.add(name);
    }
  }
  return { importedBefore, importedAfter };
}

function importedPackages(text: string): string[] {
  const info = ts.preProcessFile(text, true, true);
  return info.importedFiles
    .map((file) => file.fileName)
    .filter((specifier) => !specifier.startsWith('.') && !specifier.startsWith('/') && !specifier.startsWith('node:'))
    .map((specifier) => (specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!));
}

function missingPackageJsonFinding(): RewriteFinding {
  const packages = Object.entries(AZURE_DEVICE_PACKAGES)
    .map(([name, version]) => `${name} ${version}`)
    .join(' and ');
  return {
    path: 'package.json',
    line: 1,
    originalLine: 1,
    construct: 'dependencies',
    action: 'todo',
    note: `The repo has no package.json: install ${packages} where the firmware gets its dependencies.`,
    transform: 'package-json',
  };
}

function summaryLinesOf(displayPath: string, output: RewriteOutput, counts: Record<string, number>, reportPath: string | undefined): string[] {
  const where = output.kind === 'directory' ? ` into ${output.path}` : output.kind === 'in-place' ? ' in place' : ' (dry run, nothing written)';
  const lines = [
    `Rewrote ${counts.rewritten} of ${counts.files} files of ${displayPath}${where}: ${counts.unchanged} unchanged, ${counts.skipped} skipped, ${counts.errors} with errors.`,
    `${counts.mapped} AWS constructs mapped to the Azure IoT device SDK; ${counts.todos} TODO(iotmigrate) left to decide.`,
  ];
  if (reportPath !== undefined) lines.push(`Report: ${reportPath}`);
  return lines;
}

function ratePerSecond(done: number, started: number): number {
  const seconds = (Date.now() - started) / 1000;
  return seconds > 0 ? done / seconds : 0;
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return undefined;
    throw error;
  }
}
