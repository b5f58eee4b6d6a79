import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { emptyEstate, type EstateJob } from './estate.js';
import { EstateStore } from './estate-store.js';
import { initialRolloutState } from './jobs/job-engine.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iotmigrate-estate-store-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const job = (): EstateJob => ({
  jobId: 'ota',
  jobArn: 'arn:aws:iot:us-east-1:123456789012:job/ota',
  status: 'IN_PROGRESS',
  targetSelection: 'SNAPSHOT',
  targets: [],
  document: '{}',
  createdAt: 5,
  lastUpdatedAt: 5,
  rollout: initialRolloutState(undefined, ['t1'], 5),
  executions: {},
  executionCounts: {},
});

describe('estate store', () => {
  it('keeps jobs in a file of their own, which jobsChanged rewrites without the estate', async () => {
    const estate = emptyEstate('123456789012', 'us-east-1');
    estate.jobs.ota = job();
    const store = await EstateStore.create(dir, estate);
    expect(JSON.parse(await readFile(join(dir, 'aws-estate.json'), 'utf8')).jobs).toEqual({});
    const revision = store.revision;
    estate.jobs.ota.status = 'COMPLETED';
    store.jobsChanged();
    await store.flush();
    expect(store.revision).toBe(revision);
    expect(JSON.parse(await readFile(join(dir, 'aws-jobs.json'), 'utf8')).ota.status).toBe('COMPLETED');
    expect((await EstateStore.load(dir))?.estate.jobs.ota).toEqual(estate.jobs.ota);
  });

  it('reads jobs an older sandbox kept inside the estate, without rollout or executions', async () => {
    const estate = emptyEstate('123456789012', 'us-east-1');
    const { rollout: _rollout, executions: _executions, executionCounts: _counts, ...legacy } = job();
    await writeFile(join(dir, 'aws-estate.json'), JSON.stringify({ ...estate, jobs: { ota: legacy } }));
    const loaded = (await EstateStore.load(dir))!.estate.jobs.ota!;
    expect(loaded).toMatchObject({ jobId: 'ota', executions: {}, executionCounts: {}, rollout: { pendingThings: [] } });
  });
});
