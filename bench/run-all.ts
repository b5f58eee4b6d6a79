/**
 * Runs every benchmark in bench/ one after another (they measure the machine, so never
 * in parallel) and repeats each one's closing figure line at the end.
 * `npm run bench`, or `npm run bench -- detect plan` for some of them.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const wanted = process.argv.slice(2);
const benches = readdirSync(dir)
  .filter((file) => file.endsWith('.ts') && file !== 'run-all.ts')
  .map((file) => file.slice(0, -'.ts'.length))
  .filter((name) => wanted.length === 0 || wanted.includes(name))
  .sort();

const figures: string[] = [];
for (const name of benches) {
  process.stderr.write(`\n== ${name}\n`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', `${dir}${name}.ts`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  process.stdout.write(result.stdout);
  const last = result.stdout.trim().split('\n').at(-1) ?? '';
  figures.push(result.status === 0 ? last : `${name}: FAILED (exit ${result.status})`);
}
process.stdout.write(`\n${figures.join('\n')}\n`);
