/**
 * Firmware rewrite throughput: builds a 1,000-file repo from copies of the four fixture
 * firmware repos, each copy in its own folder (`thermostat-v2-0/`, `legacy-v1-js-1/`, …)
 * so every file has its own path and its own cross-file links, rewrites it to a
 * temporary folder with `rewriteFirmwareRepo`, and prints seconds, files/s and peak RSS
 * as the last line. Goal: under 20 s.
 *
 * Run: npx tsx bench/rewrite.ts
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { rewriteFirmwareRepo } from '../src/codemods/rewrite-firmware-repo.js';
import { listFirmwareSourceFiles } from '../src/detect/firmware/list-firmware-source-files.js';

const FILE_COUNT = 1_000;
const FIXTURES = fileURLToPath(new URL('../fixtures/firmware-repos/', import.meta.url));
const REPOS = ['thermostat-v2', 'legacy-v1-js', 'mqttjs-gateway', 'asset-tracker-mqtt5'];

interface SourceFile {
  path: string;
  text: string;
}

async function loadFixtureSources(): Promise<Array<{ repo: string; files: SourceFile[] }>> {
  return Promise.all(
    REPOS.map(async (repo) => {
      const root = join(FIXTURES, repo);
      const paths = await listFirmwareSourceFiles(root);
      return { repo, files: await Promise.all(paths.map(async (path) => ({ path, text: await readFile(join(root, path), 'utf8') }))) };
    }),
  );
}

async function generateRepo(root: string): Promise<number> {
  const fixtures = await loadFixtureSources();
  await writeFile(
    join(root, 'package.json'),
    `${JSON.stringify({ name: 'bench-fleet-firmware', version: '1.0.0', dependencies: { 'aws-iot-device-sdk': '^2.2.16', 'aws-iot-device-sdk-v2': '^1.28.0', mqtt: '^5.16.0' } }, null, 2)}\n`,
  );
  let written = 0;
  for (let n = 0; written < FILE_COUNT; n += 1) {
    const { repo, files } = fixtures[n % fixtures.length]!;
    for (const file of files) {
      if (written === FILE_COUNT) break;
      const path = join(root, `${repo}-${n}`, file.path);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, file.text);
      written += 1;
    }
  }
  return written;
}

const root = await mkdtemp(join(tmpdir(), 'iotmigrate-bench-rewrite-'));
const out = await mkdtemp(join(tmpdir(), 'iotmigrate-bench-rewritten-'));
try {
  const files = await generateRepo(root);
  const started = performance.now();
  const result = await rewriteFirmwareRepo({ repoPath: root, output: { kind: 'directory', path: out, replace: true } });
  const seconds = (performance.now() - started) / 1000;
  const { rewritten, errors, todos } = result.counts;
  if (errors !== 0) throw new Error(`${errors} files failed to rewrite`);
  // maxRSS is in KiB and is the peak of the whole process, generation included.
  const peakRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
  console.log(`${rewritten} files rewritten, ${todos} TODOs, report at ${result.reportPath}`);
  console.log(`rewrite: ${files} files in ${seconds.toFixed(1)} s (${Math.round(files / seconds)} files/s), peak RSS ${peakRssMiB} MiB`);
} finally {
  await Promise.all([rm(root, { recursive: true, force: true }), rm(out, { recursive: true, force: true })]);
}
