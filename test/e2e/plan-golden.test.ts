import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SIZING_ASSUMPTIONS } from '../../src/plan/build-plan.js';
import { DEFAULT_ROLLOUT_LIMITS } from '../../src/plan/rollout-limits.js';
import { runPlan } from '../../src/plan/run-plan.js';
import { PlanSchema, type Plan } from '../../src/plan/schema.js';
import { DEFAULT_WAVE_SETTINGS } from '../../src/plan/waves.js';

/**
 * The Terraform JSON users keep, pinned byte for byte: the CDKTF generator behind it can
 * be replaced (CDKTF is archived) only if this stays the same. The input is a committed
 * manifest of a seeded sandbox (make-seeded-manifest.ts). To change the output on
 * purpose: UPDATE_GOLDEN=1 npx vitest run test/e2e/plan-golden, and review the diff.
 */
const MANIFEST = fileURLToPath(new URL('../fixtures/plan/seeded-manifest.json', import.meta.url));
const GOLDEN = fileURLToPath(new URL('../fixtures/plan/seeded.cdk.tf.json', import.meta.url));

let dir: string;
let terraform: string;
let plan: Plan;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iotmigrate-plan-golden-'));
  await runPlan({
    manifestPath: MANIFEST,
    outDir: join(dir, 'plan'),
    ...DEFAULT_SIZING_ASSUMPTIONS,
    waves: DEFAULT_WAVE_SETTINGS,
    rollout: DEFAULT_ROLLOUT_LIMITS,
    caVerified: false,
  });
  terraform = await readFile(join(dir, 'plan', 'terraform', 'cdk.tf.json'), 'utf8');
  plan = PlanSchema.parse(JSON.parse(await readFile(join(dir, 'plan', 'plan.json'), 'utf8')));
  if (process.env.UPDATE_GOLDEN === '1') await writeFile(GOLDEN, terraform);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('plan on the seeded manifest', () => {
  it('writes exactly the pinned Terraform JSON', async () => {
    expect(terraform).toBe(await readFile(GOLDEN, 'utf8'));
  });

  it('creates the hub, its routing, the CA and the outputs a user needs', () => {
    const document = JSON.parse(terraform) as {
      resource: Record<string, Record<string, Record<string, unknown>>>;
      output: Record<string, { sensitive: boolean }>;
      terraform: { required_providers: { azurerm: { source: string } } };
    };
    expect(document.terraform.required_providers.azurerm.source).toBe('hashicorp/azurerm');
    expect(Object.values(document.resource.azurerm_iothub!)[0]).toMatchObject({ sku: { name: 'S1', capacity: 1 } });
    expect(Object.keys(document.resource.azurerm_iothub_fallback_route!)).toHaveLength(1);
    const routes = Object.values(document.resource.azurerm_iothub_route!).map((route) => route.name);
    expect(routes).toContain('all-device-messages');
    expect(routes).toContain('telemetry_to_kinesis');
    expect(Object.values(document.resource.azurerm_iothub_certificate!)[0]).toMatchObject({ is_verified: false });
    expect(Object.keys(document.output).sort()).toEqual([
      'iothub_connection_string',
      'iothub_events_endpoint',
      'iothub_events_path',
      'iothub_hostname',
      'iothub_name',
      'resource_group_name',
    ]);
    expect(document.output.iothub_connection_string!.sensitive).toBe(true);
  });

  it('reports the rule actions it cannot translate, with the reason', () => {
    const untranslatable = plan.routing.rules.flatMap((rule) =>
      rule.actions.flatMap((action) => (action.status === 'untranslatable' ? [[rule.ruleName, action.type, action.reason] as const] : [])),
    );
    expect(untranslatable.map(([rule, type]) => `${rule}/${type}`)).toEqual([
      'mirror_commands/republish',
      'readings_to_dynamodb/dynamoDBv2',
      'webhook/http',
    ]);
    expect(untranslatable[0]![2]).toContain('never back to device topics');
    expect(untranslatable[1]![2]).toContain('cannot map fields');
    expect(untranslatable[2]![2]).toContain('topic(n)');
    const reported = plan.notMigrated.filter((entry) => entry.kind === 'topic-rule-action').map((entry) => entry.subject);
    expect(reported).toEqual(['mirror_commands action 1 (republish)', 'readings_to_dynamodb action 1 (dynamoDBv2)', 'webhook action 1 (http)']);
    expect(plan.notMigrated.some((entry) => entry.kind === 'topic-rule-error-action' && entry.subject.startsWith('telemetry_to_kinesis'))).toBe(true);
  });

  it('routes AWS event topics from the IoT Hub event sources', () => {
    const document = JSON.parse(terraform) as { resource: { azurerm_iothub_route: Record<string, { name: string; source: string }> } };
    const sources = Object.fromEntries(Object.values(document.resource.azurerm_iothub_route).map((route) => [route.name, route.source]));
    expect(sources).toMatchObject({ presence_to_queue: 'DeviceConnectionStateEvents', shadow_changes: 'TwinChangeEvents', archive_to_s3: 'DeviceMessages' });
  });
});

describe('plan with the thermostat firmware', () => {
  it('pins how the firmware ships, and writes the same bytes again', async () => {
    const { loadOrCreateSigningKey } = await import('../../src/ota/signing-key.js');
    const { key } = await loadOrCreateSigningKey(join(dir, 'keys', 'signing-key.pem'));
    const firmwareRepo = fileURLToPath(new URL('../../fixtures/firmware-repos/thermostat-v2', import.meta.url));
    const planWithFirmware = (outDir: string) =>
      runPlan({
        manifestPath: MANIFEST,
        outDir,
        ...DEFAULT_SIZING_ASSUMPTIONS,
        waves: DEFAULT_WAVE_SETTINGS,
        rollout: DEFAULT_ROLLOUT_LIMITS,
        caVerified: false,
        firmwareRepo,
        signingKeyFile: join(dir, 'keys', 'signing-key.pem'),
      });
    await planWithFirmware(join(dir, 'firmware-a'));
    await planWithFirmware(join(dir, 'firmware-b'));
    const text = await readFile(join(dir, 'firmware-a', 'plan.json'), 'utf8');
    expect(await readFile(join(dir, 'firmware-b', 'plan.json'), 'utf8')).toBe(text);
    const { firmware, azure } = PlanSchema.parse(JSON.parse(text));
    expect(firmware).toEqual({
      status: 'planned',
      repo: firmwareRepo,
      directory: 'firmware',
      report: 'rewrite-report.json',
      files: { rewritten: 7, unchanged: 1, skipped: 0, error: 0 },
      findings: expect.objectContaining({ todo: 0 }),
      version: '1.0.0-azure',
      entryPoint: 'src/main.ts',
      bundle: { bucket: 'iotmigrate-firmware-123456789012-us-east-1', key: `iotmigrate/${azure.hubName}/firmware-1.0.0-azure.tar.gz` },
      signing: { keyId: key.keyId, publicKeyPem: key.publicKeyPem },
      presignRoleArn: 'arn:aws:iam::123456789012:role/iotmigrate-ota-presign',
    });
  });
});
