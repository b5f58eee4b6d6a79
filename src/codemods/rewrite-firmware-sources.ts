import { ts } from 'ts-morph';
import { AwsValueIndex } from './analysis/aws-value-index.js';
import { createFirmwareProgram } from './analysis/firmware-program.js';
import { SdkEntityResolver, type SdkImport } from './analysis/sdk-entities.js';
import { FreeNames } from './edits/free-names.js';
import { ImportPlanner, type ModuleLoading } from './edits/import-planner.js';
import { detectRepoStyle, detectSourceStyle, type RepoStyle } from './edits/source-style.js';
import { applyTextEdits, LineIndex, type TextEdit } from './edits/text-edits.js';
import type { FileStatus, RewriteFinding } from './report/rewrite-report.js';
import { FIRMWARE_TRANSFORMS } from './transforms/firmware-transforms.js';
import { AnalysedFile, type PendingFinding, type Transform } from './transforms/transform.js';

export interface FirmwareSources {
  /** Relative path (forward slashes) → text, for every JS and TS source file of the repo. */
  files: ReadonlyMap<string, string>;
  /** The repo's package.json "type": how its .js files load. */
  packageType: 'module' | 'commonjs';
}

export interface FileRewrite {
  path: string;
  status: FileStatus;
  reason?: string;
  original: string;
  /** Equal to original unless status is `rewritten`. */
  rewritten: string;
  findings: RewriteFinding[];
}

/** Files this large, or with lines this long, are bundles or generated code, not firmware source. */
const MAX_SOURCE_BYTES = 1_000_000;
const MAX_LINE_LENGTH = 5_000;

/**
 * The codemod engine, in memory: analyses every file once (one program, one checker,
 * one data-flow pass over the whole repo), then runs the transforms file by file and
 * applies each file's edits in one pass. A file whose rewrite throws becomes an
 * `error` row and the others go on.
 */
/** Progress is reported every this many files, and at the end. */
const PROGRESS_EVERY = 25;

export function rewriteFirmwareSources(
  sources: FirmwareSources,
  transforms: readonly Transform[] = FIRMWARE_TRANSFORMS,
  onProgress: (done: number, total: number) => void = () => {},
): FileRewrite[] {
  const results: FileRewrite[] = [];
  const analysable = new Map<string, string>();
  for (const [path, text] of sources.files) {
    const reason = skipReason(text);
    if (reason === undefined) analysable.set(path, text);
    else results.push({ path, status: 'skipped', reason, original: text, rewritten: text, findings: [] });
  }

  const { program, checker, sourceFiles } = createFirmwareProgram(analysable);
  const entities = new SdkEntityResolver(checker);
  for (const sourceFile of sourceFiles.values()) entities.addFile(sourceFile);
  const index = new AwsValueIndex(checker, entities);
  for (const sourceFile of sourceFiles.values()) index.addFile(sourceFile);
  index.solve();

  const repoStyle = detectRepoStyle(analysable.values());
  let done = 0;
  for (const [path, sourceFile] of sourceFiles) {
    done += 1;
    if (done % PROGRESS_EVERY === 0 || done === sourceFiles.size) onProgress(done, sourceFiles.size);
    const original = sourceFile.text;
    const syntaxError = program.getSyntacticDiagnostics(sourceFile)[0];
    if (syntaxError !== undefined) {
      const line = syntaxError.start === undefined ? 0 : sourceFile.getLineAndCharacterOfPosition(syntaxError.start).line + 1;
      const message = ts.flattenDiagnosticMessageText(syntaxError.messageText, ' ');
      results.push({ path, status: 'skipped', reason: `does not parse (line ${line}: ${message})`, original, rewritten: original, findings: [] });
      continue;
    }
    try {
      results.push(rewriteFile(path, sourceFile, sources.packageType, repoStyle, index, entities, transforms));
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      results.push({ path, status: 'error', reason, original, rewritten: original, findings: [] });
    }
  }
  return results;
}

function rewriteFile(
  path: string,
  sourceFile: ts.SourceFile,
  packageType: 'module' | 'commonjs',
  repoStyle: RepoStyle,
  index: AwsValueIndex,
  entities: SdkEntityResolver,
  transforms: readonly Transform[],
): FileRewrite {
  const style = detectSourceStyle(sourceFile, repoStyle);
  const language = /\.(ts|tsx|mts|cts)$/.test(path) ? 'ts' : 'js';
  const loading = moduleLoadingOf(sourceFile, path, language, packageType);
  const file = new AnalysedFile({
    path,
    sourceFile,
    language,
    loading,
    style,
    index,
    entities,
    imports: new ImportPlanner(sourceFile, loading, style),
    names: new FreeNames(sourceFile),
  });

  const edits: TextEdit[] = [];
  const pending: PendingFinding[] = [];
  for (const transform of transforms) {
    if (!transform.appliesTo(file)) continue;
    const result = transform.run(file);
    if (result === undefined) continue;
    edits.push(...result.edits);
    pending.push(...result.findings);
    file.claim(result.edits);
  }
  const removals = removableSdkImports(file);
  edits.push(...file.imports.edits(removals));
  for (const { sdkImport, keptBindings } of removals) {
    const remaining = keptBindings.length === 0 ? 'removed' : `kept only for ${keptBindings.join(', ')}`;
    pending.push({
      key: file.nextFindingKey(),
      construct: 'import',
      action: 'rewritten',
      note: `Import of ${sdkImport.specifier} ${remaining}; the code that used it now uses azure-iot-device.`,
      anchor: sdkImport.statement.getStart(sourceFile),
      transform: 'imports',
    });
  }

  const original = sourceFile.text;
  if (edits.length === 0) return { path, status: 'unchanged', original, rewritten: original, findings: [] };
  const applied = applyTextEdits(original, edits);
  const originalLines = new LineIndex(original);
  const rewrittenLines = new LineIndex(applied.unindentedText);
  const findings = pending.map((finding): RewriteFinding => {
    const outputOffset = applied.offsetOfFinding(finding.key) ?? applied.mapOffset(finding.anchor);
    return {
      path,
      line: rewrittenLines.lineOf(outputOffset),
      originalLine: originalLines.lineOf(finding.anchor),
      construct: finding.construct,
      action: finding.action,
      note: finding.note,
      transform: finding.transform,
    };
  });
  const status = applied.text === original ? 'unchanged' : 'rewritten';
  return { path, status, original, rewritten: applied.text, findings };
}

/**
 * SDK imports whose every use now lies inside rewritten or commented-out code. An
 * import some of whose names are still used keeps those names; the catch-all
 * transform makes sure none are, so in practice every AWS import goes.
 */
function removableSdkImports(file: AnalysedFile): Array<{ sdkImport: SdkImport; keptBindings: string[] }> {
  const sdkImports = file.sdkImports;
  if (sdkImports.length === 0) return [];
  const claimed = file.claimedRanges();
  const isCovered = (node: ts.Node): boolean => {
    const start = node.getStart(file.sourceFile);
    return claimed.some((range) => start >= range.start && node.end <= range.end);
  };
  const symbols = new Map<ts.Symbol, { uncovered: boolean }>();
  for (const sdkImport of sdkImports) for (const binding of sdkImport.bindings) symbols.set(binding.symbol, { uncovered: false });
  const declarationNames = new Set(sdkImports.flatMap((sdkImport) => sdkImport.bindings.map((binding) => binding.name)));
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node) && !declarationNames.has(node)) {
      const symbol = file.entities.symbolOf(node);
      const entry = symbol === undefined ? undefined : symbols.get(symbol);
      if (entry !== undefined && !isCovered(node)) entry.uncovered = true;
    }
    ts.forEachChild(node, visit);
  };
  visit(file.sourceFile);
  const removals: Array<{ sdkImport: SdkImport; keptBindings: string[] }> = [];
  for (const sdkImport of sdkImports) {
    if (isCovered(sdkImport.statement)) continue;
    const kept = sdkImport.bindings.filter((binding) => symbols.get(binding.symbol)?.uncovered).map((binding) => binding.name.text);
    if (kept.length === sdkImport.bindings.length && kept.length > 0) continue;
    removals.push({ sdkImport, keptBindings: kept });
  }
  return removals;
}

/** How Node will load the file: what decides the form of its imports. */
function moduleLoadingOf(sourceFile: ts.SourceFile, path: string, language: 'ts' | 'js', packageType: 'module' | 'commonjs'): ModuleLoading {
  if (path.endsWith('.mts') || path.endsWith('.mjs')) return 'esm-native';
  if (path.endsWith('.cjs')) return 'cjs';
  if (language === 'ts') return path.endsWith('.cts') || packageType === 'commonjs' ? 'esm-compiled' : 'esm-native';
  if (sourceFile.statements.some((statement) => ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement))) return 'esm-native';
  if (/\brequire\s*\(|\bmodule\.exports\b|\bexports\.\w+\s*=/.test(sourceFile.text)) return 'cjs';
  return packageType === 'module' ? 'esm-native' : 'cjs';
}

function skipReason(text: string): string | undefined {
  if (text.length > MAX_SOURCE_BYTES) return `larger than ${MAX_SOURCE_BYTES / 1_000_000} MB: a bundle or generated file, not firmware source`;
  let lineStart = 0;
  for (;;) {
    const newline = text.indexOf('\n', lineStart);
    const end = newline === -1 ? text.length : newline;
    if (end - lineStart > MAX_LINE_LENGTH) return `has a line longer than ${MAX_LINE_LENGTH} characters: minified or generated, not firmware source`;
    if (newline === -1) return undefined;
    lineStart = newline + 1;
  }
}
