/**
 * detect over a 10,000-thing sandbox estate with the real AWS SDK clients:
 * 1. unthrottled: how fast detect itself goes (things per second);
 * 2. with every API limited to 100 requests per second (as AWS limits each API on its
 *    own): the run's time against the floor, the busiest API's calls / 100. Goal: a
 *    ratio floor / time of at least 0.8.
 * Run: npx tsx bench/detect.ts [things]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDetect } from '../src/detect/run-detect.js';
import type { ProgressEvent } from '../src/progress/events.js';
import { startControlPlane } from '../src/sandbox/aws/control-plane/start-control-plane.js';
import { EstateStore } from '../src/sandbox/aws/estate-store.js';
import { seedAwsEstate } from '../src/sandbox/aws/seed-estate.js';
import { createCertificateAuthority } from '../src/sandbox/pki.js';

const THINGS = Number(process.argv[2] ?? 10_000);
const API_RATE = 100;
const HOST = '127.0.0.77';

const dir = await mkdtemp(join(tmpdir(), 'iotmigrate-bench-detect-'));
try {
  let started = performance.now();
  const estate = await seedAwsEstate({
    things: THINGS,
    seed: 1,
    region: 'us-east-1',
    awsIssuer: await createCertificateAuthority('Amazon RSA 2048 M01'),
    registeredCa: await createCertificateAuthority('Fleet Root CA'),
    devicesDir: join(dir, 'devices'),
    anomalies: false,
  });
  const store = EstateStore.inMemory(estate);
  console.log(`seeded ${THINGS} things in ${seconds(performance.now() - started)} s (setup, not measured)`);

  // The busiest API bounds a rate-limited run: one GetThingShadow per shadow, one
  // DescribeThing / ListThingPrincipals / ListNamedShadowsForThing per thing, one
  // DescribeCertificate per certificate.
  const shadowCount = Object.values(estate.shadows).reduce((sum, shadows) => sum + Object.keys(shadows).length, 0);
  const callsPerApi = {
    GetThingShadow: shadowCount,
    DescribeThing: THINGS,
    ListThingPrincipals: THINGS,
    ListNamedShadowsForThing: THINGS,
    DescribeCertificate: Object.keys(estate.certificates).length,
  };
  const [busiestApi, busiestCalls] = Object.entries(callsPerApi).sort(([, a], [, b]) => b - a)[0]!;
  const floorMs = (busiestCalls / API_RATE) * 1000;

  const detect = async (label: string, apiRate: number | undefined) => {
    const controlPlane = await startControlPlane({ store, host: HOST, port: 0, dataEndpointHost: HOST, apiRate });
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_IOT: controlPlane.url,
      AWS_ENDPOINT_URL_IOT_DATA_PLANE: controlPlane.url,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'AKIASANDBOX000000000',
      AWS_SECRET_ACCESS_KEY: 'sandbox-secret-access-key',
    });
    const logs: string[] = [];
    let throttled = 0;
    const onEvent = (event: ProgressEvent) => {
      if (event.type === 'log' && event.level === 'debug') logs.push(event.message);
      if (event.type === 'throttled') throttled += 1;
    };
    try {
      started = performance.now();
      const result = await runDetect({
        out: join(dir, label, 'manifest.json'),
        checkpointFile: join(dir, label, '.manifest.json.checkpoint.json'),
        firmwareRepos: [],
        resume: 'never',
        shadows: true,
        onEvent,
      });
      const elapsedMs = performance.now() - started;
      if (result.counts.things !== THINGS || result.counts.shadows !== shadowCount) {
        throw new Error(`${label}: read ${result.counts.things} things and ${result.counts.shadows} shadows`);
      }
      return { elapsedMs, logs, throttled };
    } finally {
      await controlPlane.close();
    }
  };

  const unthrottled = await detect('unthrottled', undefined);
  const thingsPerSecond = THINGS / (unthrottled.elapsedMs / 1000);
  console.log(`unthrottled: ${THINGS} things (${shadowCount} shadows) in ${seconds(unthrottled.elapsedMs)} s: ${thingsPerSecond.toFixed(0)} things/s`);

  const limited = await detect('rate-limited', API_RATE);
  const ratio = floorMs / limited.elapsedMs;
  console.log(
    `at ${API_RATE} req/s per API: ${seconds(limited.elapsedMs)} s against a floor of ${seconds(floorMs)} s ` +
      `(${busiestApi}: ${busiestCalls} calls); ratio ${ratio.toFixed(2)} (goal ≥ 0.80); ${limited.throttled} throttled events`,
  );
  for (const line of limited.logs) console.log(`  ${line}`);
  console.log(
    `detect bench: ${THINGS} things, unthrottled ${seconds(unthrottled.elapsedMs)} s = ${thingsPerSecond.toFixed(0)} things/s; ` +
      `${API_RATE} req/s per API ${seconds(limited.elapsedMs)} s vs floor ${seconds(floorMs)} s, ratio ${ratio.toFixed(2)} (goal ≥ 0.80)`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(1);
}
