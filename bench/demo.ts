/**
 * `iotmigrate demo` at 100 and 1,000 devices, as a newcomer runs it (through the CLI,
 * with --json): wall time, devices verified per minute over the whole run and over the
 * rollout stage alone (from its NDJSON stage events: what issue #5 measures, with no
 * rate cap below AWS's 1,000/min), and peak memory of the demo's process tree (the CLI,
 * the demo it relaunches with the sandbox CA, the fleet's process), sampled from /proc
 * every 100 ms, with the fleet's process and the rest (apply's side) apart.
 * Run after `npm run build`: npx tsx bench/demo.ts [devices...]
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../bin/iotmigrate.js', import.meta.url));
const sizes = process.argv.slice(2).map(Number);
const SAMPLE_MS = 100;

interface Run {
  devices: number;
  wallMs: number;
  verified: number;
  exitCode: number;
  /** Largest sum of resident memory over the tree at one sample. */
  peakTreeRssMb: number;
  /** Largest peak (VmHWM) of any one process of the tree. */
  peakProcessRssMb: number;
  /** Peak (VmHWM) of the simulated fleet's process, and of the largest other one (the demo running apply). */
  peakFleetRssMb: number;
  peakApplyRssMb: number;
  /** From the rollout stage's start to its end. */
  rolloutMs: number;
}

/** Resident and peak kB of `root` and every process below it, read from /proc. */
async function treeMemory(root: number): Promise<{ rssKb: number; hwmKb: number; fleetHwmKb: number; otherHwmKb: number }> {
  const parents = new Map<number, number>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // The command name may hold spaces; the fields after its closing parenthesis do not.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (Number.isFinite(ppid)) parents.set(Number(entry), ppid);
  }
  const inTree = (pid: number): boolean => {
    for (let current: number | undefined = pid; current !== undefined && current > 1; current = parents.get(current)) if (current === root) return true;
    return false;
  };
  let rssKb = 0;
  let hwmKb = 0;
  let fleetHwmKb = 0;
  let otherHwmKb = 0;
  for (const pid of parents.keys()) {
    if (!inTree(pid)) continue;
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    const processHwmKb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
    rssKb += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    hwmKb = Math.max(hwmKb, processHwmKb);
    if (cmdline.includes('fleet-process')) fleetHwmKb = Math.max(fleetHwmKb, processHwmKb);
    else otherHwmKb = Math.max(otherHwmKb, processHwmKb);
  }
  return { rssKb, hwmKb, fleetHwmKb, otherHwmKb };
}

async function runDemo(devices: number): Promise<Run> {
  const work = await mkdtemp(join(tmpdir(), 'iotmigrate-bench-demo-'));
  const started = performance.now();
  const child = spawn(process.execPath, [cli, 'demo', '--devices', String(devices), '--json', '--state-dir', join(work, 'demo'), '--host', '127.0.91.1', '--hub-host', '127.0.91.2'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  let peakTreeKb = 0;
  let peakProcessKb = 0;
  let peakFleetKb = 0;
  let peakOtherKb = 0;
  const sampler = setInterval(() => {
    void treeMemory(child.pid!).then(({ rssKb, hwmKb, fleetHwmKb, otherHwmKb }) => {
      peakTreeKb = Math.max(peakTreeKb, rssKb);
      peakProcessKb = Math.max(peakProcessKb, hwmKb);
      peakFleetKb = Math.max(peakFleetKb, fleetHwmKb);
      peakOtherKb = Math.max(peakOtherKb, otherHwmKb);
    });
  }, SAMPLE_MS);
  const exitCode = await new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 1)));
  clearInterval(sampler);
  const wallMs = performance.now() - started;
  interface Event {
    type: string;
    stage?: string;
    status?: string;
    ts?: number;
    verified?: number;
  }
  const events = stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Event);
  const summary: Event = events.at(-1) ?? { type: 'none' };
  const rolloutAt = (status: string) => events.find((event) => event.type === 'stage' && event.stage === 'rollout' && event.status === status)?.ts ?? 0;
  await rm(work, { recursive: true, force: true });
  return {
    devices,
    wallMs,
    verified: summary.verified ?? 0,
    exitCode,
    peakTreeRssMb: peakTreeKb / 1024,
    peakProcessRssMb: peakProcessKb / 1024,
    peakFleetRssMb: peakFleetKb / 1024,
    peakApplyRssMb: peakOtherKb / 1024,
    rolloutMs: rolloutAt('finished') - rolloutAt('started'),
  };
}

const runs: Run[] = [];
for (const devices of sizes.length > 0 ? sizes : [100, 1_000]) {
  const run = await runDemo(devices);
  runs.push(run);
  console.log(
    `demo ${run.devices} devices: exit ${run.exitCode}, ${run.verified} verified in ${(run.wallMs / 1000).toFixed(1)} s ` +
      `(${Math.round(run.verified / (run.wallMs / 60_000))} devices/min); rollout stage ${(run.rolloutMs / 1000).toFixed(1)} s ` +
      `(${Math.round(run.verified / (run.rolloutMs / 60_000))} devices/min); peak RSS ${run.peakTreeRssMb.toFixed(0)} MB over the process tree, ` +
      `fleet process ${run.peakFleetRssMb.toFixed(0)} MB, demo/apply process ${run.peakApplyRssMb.toFixed(0)} MB`,
  );
}
console.log(
  `demo: ${runs
    .map(
      (run) =>
        `${run.devices} devices ${(run.wallMs / 1000).toFixed(1)} s, ${Math.round(run.verified / (run.wallMs / 60_000))}/min, ` +
        `rollout ${Math.round(run.verified / (run.rolloutMs / 60_000))}/min, peak ${run.peakTreeRssMb.toFixed(0)} MB`,
    )
    .join(' · ')}`,
);
