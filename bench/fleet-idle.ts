/**
 * The simulated fleet at rest: N devices (default 10,000) in one fleet process, each
 * running the real thermostat firmware (aws-iot-device-sdk-v2) beside its update agent,
 * so two mutual-TLS MQTT connections per device, against a sandbox in this process.
 * Measures the time from fork to every device connected and reported, and the fleet
 * process's peak RSS (VmHWM) after a minute idle (goal < 2 GiB at 10,000). Telemetry
 * every 60 s keeps the devices idle rather than silent.
 * Each connection is a file descriptor in the fleet process and in the sandbox's, so a
 * process's RLIMIT_NOFILE bounds the fleet at about half of it: where the hard limit
 * (`ulimit -Hn`) is below what 10,000 devices need, the default falls back to 5,000
 * and the figure line extrapolates the per-device RSS to 10,000.
 * Run: npx tsx bench/fleet-idle.ts [devices]
 */
import { execSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startSandbox } from '../src/sandbox/start-sandbox.js';
import { uniqueLoopbackHost } from '../test/support/loopback.js';

const GOAL_DEVICES = 10_000;
const FALLBACK_DEVICES = 5_000;
const IDLE_MS = 60_000;
const SPARE_DESCRIPTORS = 200;

const hardLimit = Number(execSync('ulimit -Hn', { shell: '/bin/sh' }).toString().trim());
const fits = (devices: number) => !Number.isFinite(hardLimit) || 2 * devices + SPARE_DESCRIPTORS <= hardLimit;
const DEVICES = Number(process.argv[2] ?? (fits(GOAL_DEVICES) ? GOAL_DEVICES : FALLBACK_DEVICES));
if (!fits(GOAL_DEVICES)) {
  console.log(`${GOAL_DEVICES.toLocaleString('en-US')} devices need ${2 * GOAL_DEVICES + SPARE_DESCRIPTORS} descriptors per process; the hard limit here is ${hardLimit}`);
}
if (!fits(DEVICES)) {
  console.log(`fleet-idle: ${DEVICES.toLocaleString('en-US')} devices need ${2 * DEVICES + SPARE_DESCRIPTORS} descriptors per process, the hard limit here is ${hardLimit}; run with at most ${Math.floor((hardLimit - SPARE_DESCRIPTORS) / 2)}`);
  process.exit(1);
}

const vmKiB = async (pid: number, field: 'VmHWM' | 'VmRSS'): Promise<number> => {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
};

const dir = await mkdtemp(join(tmpdir(), 'iotmigrate-bench-fleet-'));
const host = uniqueLoopbackHost();
let hubHost = uniqueLoopbackHost();
while (hubHost === host) hubHost = uniqueLoopbackHost();
try {
  const stateDir = join(dir, 'state');
  const seedStarted = Date.now();
  const seeding = await startSandbox({ stateDir, host, hubHost, things: DEVICES, anomalies: false });
  await seeding.stop();
  console.log(`seeded ${DEVICES.toLocaleString('en-US')} things with certificates in ${((Date.now() - seedStarted) / 1000).toFixed(1)} s (setup, not measured)`);

  const started = Date.now();
  const sandbox = await startSandbox({ stateDir, host, hubHost, fleet: { telemetryIntervalMs: 60_000 } });
  const startupSeconds = (Date.now() - started) / 1000;
  const fleet = sandbox.fleet!;
  console.log(`fleet up in ${startupSeconds.toFixed(1)} s: ${JSON.stringify(fleet.status())}; RSS ${((await vmKiB(fleet.pid, 'VmRSS')) / 1024).toFixed(0)} MiB`);
  await sleep(IDLE_MS);
  const status = fleet.status();
  const rssMiB = (await vmKiB(fleet.pid, 'VmRSS')) / 1024;
  const peakMiB = (await vmKiB(fleet.pid, 'VmHWM')) / 1024;
  const clients = sandbox.awsClients().length;
  await sandbox.stop();
  console.log(`after ${IDLE_MS / 1000} s idle: ${status.onAws} on AWS, ${clients} AWS connections, RSS ${rssMiB.toFixed(0)} MiB`);
  console.log(
    `fleet-idle: ${DEVICES.toLocaleString('en-US')} devices (${clients.toLocaleString('en-US')} MQTT/TLS connections) up in ${startupSeconds.toFixed(1)} s, ` +
      `peak RSS ${peakMiB.toFixed(0)} MiB (${((peakMiB * 1024) / DEVICES).toFixed(0)} KiB/device` +
      `${DEVICES < GOAL_DEVICES ? `, ~${((peakMiB / DEVICES) * GOAL_DEVICES).toFixed(0)} MiB at 10,000 by that rate` : ''}; goal < 2048 MiB at 10,000)`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
