import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputError } from '../errors.js';
import { stableStringify } from '../fs/atomic-write.js';
import { buildPlan, DEFAULT_SIZING_ASSUMPTIONS, IDENTITIES_FILE } from './build-plan.js';
import { loadPlanDirectory } from './load-plan-directory.js';
import { certificate, manifestWith, thing } from './manifest.fixture.js';
import { DEFAULT_ROLLOUT_LIMITS } from './rollout-limits.js';
import { DEFAULT_WAVE_SETTINGS } from './waves.js';

let dir: string;
const contents = buildPlan(
  manifestWith({
    things: [thing('b-1', { certificateIds: ['c1'] }), thing('a-1', { certificateIds: ['c2'] })],
    certificates: [certificate('c1', { things: ['b-1'] }), certificate('c2', { things: ['a-1'] })],
  }),
  { ...DEFAULT_SIZING_ASSUMPTIONS, waves: DEFAULT_WAVE_SETTINGS, rollout: DEFAULT_ROLLOUT_LIMITS, caVerified: false },
  () => ({ resource: { azurerm_iothub: { hub: {} } } }),
);

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iotmigrate-load-plan-'));
  await writeFile(join(dir, 'plan.json'), stableStringify(contents.plan));
  await writeFile(join(dir, IDENTITIES_FILE), stableStringify(contents.identities));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function failure(planDir: string): Promise<InputError> {
  const error = await loadPlanDirectory(planDir).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(InputError);
  return error as InputError;
}

describe('loadPlanDirectory', () => {
  it('reads plan.json and the identities it names', async () => {
    const loaded = await loadPlanDirectory(dir);
    expect(loaded.plan).toEqual(contents.plan);
    expect(loaded.identities.map((identity) => identity.deviceId)).toEqual(['a-1', 'b-1']);
  });

  it('names the missing directory and says how to make one', async () => {
    const error = await failure(join(dir, 'nope'));
    expect(error.message).toBe(`cannot read ${join(dir, 'nope', 'plan.json')}: ENOENT`);
    expect(error.hint).toContain('run `iotmigrate plan`');
  });

  it('names the file that is not JSON, and the JSON path that breaks the schema', async () => {
    await writeFile(join(dir, IDENTITIES_FILE), '{"devices": [');
    expect((await failure(dir)).message).toMatch(new RegExp(`^${join(dir, IDENTITIES_FILE)} is not valid JSON`));

    const broken = structuredClone(contents.identities) as unknown as { devices: Array<{ authentication: Record<string, unknown> }> };
    broken.devices[1]!.authentication.primaryThumbprint = 'not-hex';
    await writeFile(join(dir, IDENTITIES_FILE), JSON.stringify(broken));
    expect((await failure(dir)).message).toContain('devices[1].authentication.primaryThumbprint');

    await writeFile(join(dir, 'plan.json'), JSON.stringify({ ...contents.plan, schemaVersion: 2 }));
    expect((await failure(dir)).message).toBe(`${join(dir, 'plan.json')} does not match the plan schema: schemaVersion: Invalid input: expected 1`);
  });

  it('refuses a device ID listed twice', async () => {
    const doubled = { ...contents.identities, devices: [contents.identities.devices[0], contents.identities.devices[0]] };
    await writeFile(join(dir, IDENTITIES_FILE), JSON.stringify(doubled));
    expect((await failure(dir)).message).toContain('devices[1].deviceId "a-1" repeats devices[0]');
  });

  it('reads the identities from where plan.json says they are', async () => {
    await mkdir(join(dir, 'elsewhere'));
    await writeFile(join(dir, 'elsewhere', 'ids.json'), stableStringify(contents.identities));
    await rm(join(dir, IDENTITIES_FILE));
    await writeFile(join(dir, 'plan.json'), stableStringify({ ...contents.plan, identities: { ...contents.plan.identities, file: 'elsewhere/ids.json' } }));
    expect((await loadPlanDirectory(dir)).identities).toHaveLength(2);
  });
});
