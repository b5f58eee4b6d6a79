/**
 * The rollout stage's own cost at fleet scale: 10,000 devices in a canary of 100 and
 * waves of 900 and 9,000, through the real stage code (state store on disk, the wave
 * gate, execution and twin mapping), with AWS IoT Jobs played by the sandbox's own job
 * engine in memory and every device switching at once. What is left is what iotmigrate
 * itself spends per poll and per device, the part no cloud quota explains: it must stay
 * far below AWS Jobs' ceiling of 1,000 devices a minute. Run: npx tsx bench/rollout.ts [devices]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRolloutControl } from '../src/apply/rollout-control.js';
import { FakeClouds } from '../src/ota/rollout-cloud.fixture.js';
import { rolloutStage } from '../src/ota/rollout-stage.js';
import type { Plan } from '../src/plan/schema.js';
import { StateStore } from '../src/state/state-store.js';

const devices = Number(process.argv[2] ?? 10_000);
const canary = Math.max(1, Math.round(devices / 100));
const sizes = [canary, Math.round(devices / 10) - canary, devices - Math.round(devices / 10)];

const dir = await mkdtemp(join(tmpdir(), 'iotmigrate-bench-rollout-'));
const store = StateStore.open(dir);
try {
  const ids = Array.from({ length: devices }, (_, index) => `thermostat-${String(index).padStart(6, '0')}`);
  let next = 0;
  const list = sizes.map((size, index) => ({ index: index + 1, name: index === 0 ? 'canary' : `wave-${index + 1}`, deviceIds: ids.slice(next, (next += size)) }));
  const plan = {
    source: { accountId: '123456789012', region: 'eu-west-1', dataEndpoint: 'x', things: devices },
    firmware: { status: 'planned' },
    waves: { canaryPercent: 1, canaryMinimum: 1, growthFactor: 10, maximumWaveSize: devices, list },
    rollout: {
      maximumPerMinute: 1000,
      abort: { failureType: 'ALL', thresholdPercentage: 10, minimumExecutedThings: canary },
      inProgressTimeoutMinutes: 30,
      retries: { failureTypes: ['FAILED'], numberOfRetries: 0 },
      stragglers: { retryWaves: 0, coolDownSeconds: 0 },
      azureConnectTimeoutSeconds: 60,
    },
  } as unknown as Plan;
  const identities = ids.map((deviceId) => ({
    deviceId,
    thingName: deviceId,
    authentication: { type: 'selfSigned' as const, primaryThumbprint: 'A'.repeat(64), secondaryThumbprint: 'A'.repeat(64) },
    certificates: [],
    flags: [],
    twin: { tags: {}, desired: {} },
    reportedAtSource: { classic: { firmwareVersion: '1.0.0' }, named: {} },
  }));
  store.enrol(ids);
  store.record(ids.map((deviceId) => ({ deviceId, event: { type: 'identity-ensured', outcome: 'created', digest: 'd' } })));

  const clouds = new FakeClouds('2.0.0');
  // No rate cap: the engine releases every execution of a wave at once, so the figure is iotmigrate's alone.
  const realNow = Date.now;
  let polls = 0;
  const stage = rolloutStage({
    overrides: { pollIntervalSeconds: 0.1 },
    cutover: async () => ({ firmwareVersion: '2.0.0', documentFor: () => '{}', presignRoleArn: undefined }),
    jobsFor: async () => {
      const jobs = clouds.rolloutJobs();
      return {
        ...jobs,
        listExecutions: async (jobId) => {
          polls += 1;
          // A minute passes per poll on the engine's clock, so its per-minute rollout cap never binds.
          clouds.clock += 60;
          return jobs.listExecutions(jobId);
        },
      };
    },
    hubFor: () => clouds.hub(),
    notifyWebhook: undefined,
    now: realNow,
  });
  const started = performance.now();
  const outcome = await stage.run({
    plan: { dir: 'plan', plan, identities },
    store,
    stateDir: dir,
    emit: () => {},
    signal: new AbortController().signal,
    control: createRolloutControl(),
  });
  const seconds = (performance.now() - started) / 1000;
  const rss = process.memoryUsage().rss / 2 ** 20;
  if (outcome.counts.verified !== devices) throw new Error(`only ${outcome.counts.verified} of ${devices} verified`);
  process.stdout.write(
    `rollout: ${devices} devices in ${list.length} waves verified in ${seconds.toFixed(1)} s (${polls} polls of 0.1 s), ` +
      `${Math.round((devices / seconds) * 60).toLocaleString('en')} devices/min of iotmigrate's own work (AWS caps 1,000/min), RSS ${rss.toFixed(0)} MiB\n`,
  );
} finally {
  store.close();
  await rm(dir, { recursive: true, force: true });
}
