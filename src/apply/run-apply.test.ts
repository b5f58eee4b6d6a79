import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode, UsageError } from '../errors.js';
import { stableStringify } from '../fs/atomic-write.js';
import { buildPlan, DEFAULT_SIZING_ASSUMPTIONS, IDENTITIES_FILE } from '../plan/build-plan.js';
import { certificate, manifestWith, thing } from '../plan/manifest.fixture.js';
import { DEFAULT_ROLLOUT_LIMITS } from '../plan/rollout-limits.js';
import { DEFAULT_WAVE_SETTINGS } from '../plan/waves.js';
import type { ApplyStage, StageOutcome } from './apply-stage.js';
import { runApply, type RunApplyOptions } from './run-apply.js';

let dir: string;
let planDir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iotmigrate-run-apply-'));
  planDir = join(dir, 'plan');
  const contents = buildPlan(
    manifestWith({ things: [thing('t-1', { certificateIds: ['c1'] })], certificates: [certificate('c1', { things: ['t-1'] })] }),
    { ...DEFAULT_SIZING_ASSUMPTIONS, hubName: 'iot-fleet', waves: DEFAULT_WAVE_SETTINGS, rollout: DEFAULT_ROLLOUT_LIMITS, caVerified: false },
    () => ({ resource: {} }),
  );
  await mkdir(planDir);
  await writeFile(join(planDir, 'plan.json'), stableStringify(contents.plan));
  await writeFile(join(planDir, IDENTITIES_FILE), stableStringify(contents.identities));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function fakeStage(writes: boolean, outcome: Partial<StageOutcome> = {}): ApplyStage & { ran: number } {
  const stage = {
    name: 'identities' as const,
    title: 'Fake stage',
    ran: 0,
    preview: () => ({ lines: [`would write: ${writes}`], writes }),
    run: async () => {
      stage.ran += 1;
      return { lines: ['done'], counts: { created: 1 }, notDone: [], ...outcome };
    },
  };
  return stage;
}

function options(parts: Partial<RunApplyOptions>): RunApplyOptions {
  return {
    planDir,
    stateDir: join(dir, 'state'),
    hubHostName: 'iot-fleet.azure-devices.net',
    stages: [],
    confirm: async () => true,
    emit: () => {},
    signal: new AbortController().signal,
    ...parts,
  };
}

describe('runApply', () => {
  it('asks once, with every stage\'s preview, then runs the stages', async () => {
    const asked: string[][] = [];
    const stage = fakeStage(true);
    const result = await runApply(options({ stages: [stage], confirm: async (lines) => (asked.push([...lines]), true) }));
    expect(asked).toEqual([['would write: true']]);
    expect(stage.ran).toBe(1);
    expect(result).toEqual({ lines: ['done'], counts: { 'identities.created': 1 }, exitCode: ExitCode.ok });
  });

  it('asks nothing when nothing is to be written', async () => {
    const stage = fakeStage(false);
    await runApply(options({ stages: [stage], confirm: async () => Promise.reject(new Error('asked')) }));
    expect(stage.ran).toBe(1);
  });

  it('writes nothing when the answer is no', async () => {
    const stage = fakeStage(true);
    const cancelled = runApply(options({ stages: [stage], confirm: async () => false }));
    await expect(cancelled).rejects.toBeInstanceOf(UsageError);
    await expect(cancelled).rejects.toThrow('apply cancelled: nothing was written');
    expect(stage.ran).toBe(0);
  });

  it('exits 4 when a stage leaves devices behind', async () => {
    const result = await runApply(options({ stages: [fakeStage(true, { notDone: [{ deviceId: 'd', reason: 'r' }] })] }));
    expect(result.exitCode).toBe(ExitCode.devicesNotMigrated);
  });

  it('refuses a connection string for another Azure hub than the plan\'s', async () => {
    await expect(runApply(options({ hubHostName: 'iot-other.azure-devices.net', stages: [fakeStage(true)] }))).rejects.toThrow(
      'the plan is for IoT Hub iot-fleet, but the connection string is for iot-other.azure-devices.net',
    );
  });
});
