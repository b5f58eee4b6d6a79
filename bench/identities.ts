/**
 * Identity creation: `iotmigrate apply --stage identities` (the built CLI, as users run
 * it) against a fresh sandbox hub, once unthrottled and once with the hub answering 429
 * above 100 identity registry operations a minute (one S1 unit's quota, cloud-facts §7).
 * The throttled run is set against that throttle's floor: the least time its token bucket
 * (a burst of one second's worth, then a steady refill) allows for the bulk requests the
 * fleet needs, 100 devices each.
 * Run after `npm run build`: npx tsx bench/identities.ts [devices]
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startIotHub } from '../src/sandbox/azure/start-iot-hub.js';
import { createCertificateAuthority, issueCertificate } from '../src/sandbox/pki.js';
import { fleetManifest, planFleet } from '../test/support/apply-fleet.js';
import { uniqueLoopbackHost } from '../test/support/loopback.js';
import { CLI, cleanEnv } from '../test/support/run-cli.js';

const DEVICES = Number(process.argv[2] ?? 5_000);
const OPS_PER_MINUTE = 100;
const BULK_SIZE = 100;

interface Run {
  seconds: number;
  counts: Record<string, number>;
}

const dir = await mkdtemp(join(tmpdir(), 'iotmigrate-bench-identities-'));
try {
  const rootCa = await createCertificateAuthority('bench hub root CA');
  const caFile = join(dir, 'root-ca.pem');
  await writeFile(caFile, rootCa.certificatePem);
  const planDir = await planFleet(dir, fleetManifest({ things: DEVICES, fromCa: Math.floor(DEVICES / 20) }));
  console.log(`planned ${DEVICES.toLocaleString('en-US')} devices (setup, not measured)`);

  const applyOnFreshHub = async (name: string, apiRate: number | undefined): Promise<Run> => {
    const host = uniqueLoopbackHost();
    const serverCertificate = await issueCertificate(rootCa, { commonName: host, ipAddresses: [host], usage: 'server' });
    const hub = await startIotHub({ hubName: 'bench-hub', host, stateDir: undefined, serverCertificate, apiRate });
    try {
      const env = cleanEnv({ IOTHUB_CONNECTION_STRING: hub.connectionString, NODE_EXTRA_CA_CERTS: caFile });
      const started = performance.now();
      const summary = await runApply(['apply', '--plan', planDir, '--state-dir', join(dir, `state-${name}`), '--yes', '--json'], env);
      const seconds = (performance.now() - started) / 1000;
      if (hub.listDeviceIds().length !== DEVICES) throw new Error(`${name}: the hub holds ${hub.listDeviceIds().length} devices, not ${DEVICES}`);
      const run = { seconds, counts: summary.counts };
      console.log(
        `${name}: ${DEVICES} devices in ${seconds.toFixed(2)} s (${(DEVICES / seconds).toFixed(0)} devices/s), ${run.counts['identities.throttled'] ?? 0} throttled calls retried`,
      );
      return run;
    } finally {
      await hub.close();
    }
  };

  const unthrottled = await applyOnFreshHub('unthrottled', undefined);
  const rate = OPS_PER_MINUTE / 60;
  const throttled = await applyOnFreshHub(`throttled at ${OPS_PER_MINUTE} ops/min`, rate);
  const requests = Math.ceil(DEVICES / BULK_SIZE);
  const floorSeconds = Math.max(0, requests - rate) / rate;
  console.log(
    `floor at ${OPS_PER_MINUTE} ops/min: ${requests} bulk requests need at least ${floorSeconds.toFixed(1)} s; were IoT Hub to count each device of a bulk request as one operation, ${DEVICES} devices would need ${((DEVICES / rate) / 60).toFixed(0)} min`,
  );
  console.log(
    `identities: ${DEVICES.toLocaleString('en-US')} devices, unthrottled ${(DEVICES / unthrottled.seconds).toFixed(0)} devices/s; at ${OPS_PER_MINUTE} ops/min ${(DEVICES / throttled.seconds).toFixed(0)} devices/s in ${throttled.seconds.toFixed(1)} s vs a floor of ${floorSeconds.toFixed(1)} s (${((100 * floorSeconds) / throttled.seconds).toFixed(0)}% of the ceiling)`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}

/** Runs the CLI with --json and returns its closing summary event. */
function runApply(args: string[], env: NodeJS.ProcessEnv): Promise<{ exitCode: number; counts: Record<string, number> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const summary = stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { type: string; exitCode: number; counts: Record<string, number> })
        .find((event) => event.type === 'summary');
      if (code !== 0 || !summary) reject(new Error(`apply exited ${code}:\n${stderr}\n${stdout.slice(-2000)}`));
      else resolve(summary);
    });
  });
}
