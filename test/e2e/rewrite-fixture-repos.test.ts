import { spawnSync } from 'node:child_process';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { listRepoFiles } from '../../src/codemods/output/repo-tree.js';
import type { RewriteReport } from '../../src/codemods/report/rewrite-report.js';
import { REPORT_FILE_NAME, rewriteFirmwareRepo } from '../../src/codemods/rewrite-firmware-repo.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const REPOS = ['thermostat-v2', 'legacy-v1-js', 'mqttjs-gateway', 'asset-tracker-mqtt5'];
const AWS_PACKAGES = ['aws-iot-device-sdk', 'aws-iot-device-sdk-v2', 'aws-crt'];
/** Set to write the rewritten trees over the committed ones, then review the diff. */
const UPDATE = process.env.UPDATE_REWRITTEN_REPOS === '1';

const scratch: string[] = [];
afterAll(async () => {
  await Promise.all(scratch.map((dir) => rm(dir, { recursive: true, force: true })));
});

const originalOf = (repo: string): string => join(ROOT, 'fixtures/firmware-repos', repo);
const expectedOf = (repo: string): string => join(ROOT, 'fixtures/firmware-repos-rewritten', repo);

describe.each(REPOS)('rewriting fixtures/firmware-repos/%s', (repo) => {
  it('gives the committed rewritten tree, report included', async () => {
    const out = await mkdtemp(join(tmpdir(), `iotmigrate-rewrite-${repo}-`));
    scratch.push(out);
    await rewriteFirmwareRepo({
      repoPath: originalOf(repo),
      displayPath: `fixtures/firmware-repos/${repo}`,
      output: { kind: 'directory', path: out, replace: true },
    });
    if (UPDATE) {
      await rm(expectedOf(repo), { recursive: true, force: true });
      await cp(out, expectedOf(repo), { recursive: true });
    }
    const files = await listRepoFiles(out);
    expect(files).toEqual(await listRepoFiles(expectedOf(repo)));
    for (const file of files) {
      expect(await readFile(join(out, file), 'utf8'), file).toBe(await readFile(join(expectedOf(repo), file), 'utf8'));
    }
  });

  it('changes nothing when run again over its own output', async () => {
    const again = await rewriteFirmwareRepo({ repoPath: expectedOf(repo), output: { kind: 'dry-run' } });
    expect(again.changedFiles).toEqual([]);
    expect(again.diff).toBe('');
    expect(again.report.findings).toEqual([]);
  });

  it('leaves no AWS IoT device SDK import or dependency', async () => {
    for (const file of await sourceFiles(expectedOf(repo))) {
      const imported = ts.preProcessFile(await readFile(join(expectedOf(repo), file), 'utf8'), true, true).importedFiles.map((entry) => entry.fileName);
      expect(imported.filter((specifier) => AWS_PACKAGES.some((name) => specifier === name || specifier.startsWith(`${name}/`))), file).toEqual([]);
    }
    const manifest = JSON.parse(await readFile(join(expectedOf(repo), 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
    const dependencies = { ...manifest.dependencies, ...manifest.devDependencies };
    for (const name of AWS_PACKAGES) expect(dependencies[name], name).toBeUndefined();
    expect(dependencies['azure-iot-device']).toBeDefined();
    expect(dependencies['azure-iot-device-mqtt']).toBeDefined();
  });

  it('has one TODO(iotmigrate) comment for every TODO in the report, at the line it gives', async () => {
    const report = JSON.parse(await readFile(join(expectedOf(repo), REPORT_FILE_NAME), 'utf8')) as RewriteReport;
    const fromReport = report.findings
      .filter((finding) => finding.action === 'todo' && /\.(ts|js)$/.test(finding.path))
      .map((finding) => `${finding.path}:${finding.line}: ${finding.note}`)
      .sort();
    const fromCode: string[] = [];
    for (const file of await sourceFiles(expectedOf(repo))) {
      for (const comment of todoComments(await readFile(join(expectedOf(repo), file), 'utf8'))) fromCode.push(`${file}:${comment.line}: ${comment.note}`);
    }
    expect(fromCode.sort()).toEqual(fromReport);
  });

  it('reports every source file, and none as an error', async () => {
    const report = JSON.parse(await readFile(join(expectedOf(repo), REPORT_FILE_NAME), 'utf8')) as RewriteReport;
    expect(report.files.map((row) => row.path)).toEqual([...(await sourceFiles(originalOf(repo))), 'package.json'].sort());
    expect(report.files.filter((row) => row.status === 'error' || row.status === 'skipped')).toEqual([]);
  });
});

describe('the rewritten fixture repos', () => {
  it.each(REPOS.filter((repo) => repo !== 'legacy-v1-js'))('%s type-checks against the azure-iot-device typings', (repo) => {
    const configPath = join(expectedOf(repo), 'tsconfig.json');
    const config = ts.getParsedCommandLineOfConfigFile(configPath, { noEmit: true }, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
    expect(config?.errors ?? []).toEqual([]);
    const program = ts.createProgram({ rootNames: config!.fileNames, options: config!.options });
    const diagnostics = ts.getPreEmitDiagnostics(program).map((diagnostic) => ts.formatDiagnostic(diagnostic, formatHost));
    expect(diagnostics).toEqual([]);
    const imported = program.getSourceFiles().map((file) => file.fileName);
    expect(imported.some((name) => name.includes('/node_modules/azure-iot-device/'))).toBe(true);
  });

  it('legacy-v1-js parses as JavaScript, file by file, and every module loads with the Azure SDK', async () => {
    const files = await sourceFiles(expectedOf('legacy-v1-js'));
    for (const file of files) {
      const check = spawnSync(process.execPath, ['--check', join(expectedOf('legacy-v1-js'), file)], { encoding: 'utf8' });
      expect(check.status, `${file}: ${check.stderr}`).toBe(0);
    }
    const load = files.map((file) => `require(${JSON.stringify(join(expectedOf('legacy-v1-js'), file))});`).join('');
    const loaded = spawnSync(process.execPath, ['-e', load], { encoding: 'utf8' });
    expect(loaded.status, loaded.stderr).toBe(0);
  });

  // Type-checking is not enough: Node's ESM loader sees only some named exports of the
  // CommonJS Azure packages, and a wrong import form only fails when a module loads.
  it.each(REPOS.filter((repo) => repo !== 'legacy-v1-js'))('%s compiles, and every module loads under Node', async (repo) => {
    const outDir = join(ROOT, 'node_modules/.cache/iotmigrate-rewrite-test', repo);
    await rm(outDir, { recursive: true, force: true });
    const config = ts.getParsedCommandLineOfConfigFile(join(expectedOf(repo), 'tsconfig.json'), { outDir, noEmit: false, sourceMap: false }, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
    const emitted = ts.createProgram({ rootNames: config!.fileNames, options: config!.options }).emit();
    expect(emitted.diagnostics.map((diagnostic) => ts.formatDiagnostic(diagnostic, formatHost))).toEqual([]);
    await cp(join(expectedOf(repo), 'package.json'), join(outDir, 'package.json'));
    const modules = (await listRepoFiles(outDir)).filter((file) => file.endsWith('.js')).map((file) => join(outDir, file));
    expect(modules.length).toBeGreaterThan(0);
    const loaded = spawnSync(process.execPath, ['--input-type=module', '-e', `for (const file of ${JSON.stringify(modules)}) await import(file);`], { encoding: 'utf8' });
    expect(loaded.status, loaded.stderr).toBe(0);
  });
});

const formatHost: ts.FormatDiagnosticsHost = {
  getCanonicalFileName: (name) => name,
  getCurrentDirectory: () => ROOT,
  getNewLine: () => '\n',
};

async function sourceFiles(root: string): Promise<string[]> {
  return (await listRepoFiles(root)).filter((file) => /\.(ts|js)$/.test(file));
}

/** `// TODO(iotmigrate): …` comments with their continuation lines, as line and note. */
function todoComments(text: string): Array<{ line: number; note: string }> {
  const lines = text.split('\n');
  const comments: Array<{ line: number; note: string }> = [];
  lines.forEach((line, index) => {
    const start = /^\s*\/\/ TODO\(iotmigrate\): (.*)$/.exec(line);
    if (start === null) return;
    const parts = [start[1]!];
    for (let next = index + 1; next < lines.length; next += 1) {
      const continuation = /^\s*\/\/ {3}(\S.*)$/.exec(lines[next]!);
      if (continuation === null) break;
      parts.push(continuation[1]!);
    }
    comments.push({ line: index + 1, note: parts.join(' ') });
  });
  return comments;
}
