/**
 * `iotmigrate --help` start-up against a bare `node -e 0` (goal: under 4x).
 * Run after `npm run build`: npx tsx bench/startup.ts
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const RUNS = 15;
const cli = fileURLToPath(new URL('../bin/iotmigrate.js', import.meta.url));

function medianMs(args: string[]): number {
  const times: number[] = [];
  for (let run = 0; run < RUNS; run += 1) {
    const started = process.hrtime.bigint();
    const result = spawnSync(process.execPath, args, { stdio: 'ignore' });
    if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}`);
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

const bare = medianMs(['-e', '0']);
const help = medianMs([cli, '--help']);
const detectHelp = medianMs([cli, 'detect', '--help']);
console.log(
  `startup: node -e 0 ${bare.toFixed(0)} ms, iotmigrate --help ${help.toFixed(0)} ms (${(help / bare).toFixed(2)}x), detect --help ${detectHelp.toFixed(0)} ms (${(detectHelp / bare).toFixed(2)}x; goal < 4x)`,
);
