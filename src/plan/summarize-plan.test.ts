import { describe, expect, it } from 'vitest';
import { buildPlan, DEFAULT_SIZING_ASSUMPTIONS, type PlanOptions } from './build-plan.js';
import { certificate, manifestWith, thing, topicRule } from './manifest.fixture.js';
import { DEFAULT_ROLLOUT_LIMITS } from './rollout-limits.js';
import { summarizePlan } from './summarize-plan.js';
import { DEFAULT_WAVE_SETTINGS } from './waves.js';

const options: PlanOptions = { ...DEFAULT_SIZING_ASSUMPTIONS, waves: DEFAULT_WAVE_SETTINGS, rollout: DEFAULT_ROLLOUT_LIMITS, caVerified: false };
const render = () => ({ resource: { azurerm_resource_group: { rg: {} }, azurerm_iothub: { hub: {} }, azurerm_iothub_route: { a: {}, b: {} } } });

describe('summarizePlan', () => {
  it('reads like a terraform plan: resources, sizing, routing, identities, rollout, what is left behind, next steps', () => {
    const manifest = manifestWith({
      things: Array.from({ length: 12 }, (_, index) => thing(`t${index}`, { certificateIds: [`c${index}`] })).concat(thing('bare')),
      certificates: Array.from({ length: 12 }, (_, index) => certificate(`c${index}`, { things: [`t${index}`] })),
      topicRules: [topicRule('mirror', "SELECT * FROM 'a'", [{ type: 'republish', config: { topic: 'b' } }])],
    });
    const lines = summarizePlan(buildPlan(manifest, options, render), 'out');
    const text = lines.join('\n');
    expect(lines[0]).toBe('Plan: 13 things from AWS IoT eu-west-1 (123456789012) → IoT Hub iot-eu-west-1-123456789012 in northeurope, resource group rg-iot-eu-west-1-123456789012');
    expect(text).toContain('Terraform (out/terraform/cdk.tf.json): 4 to create');
    expect(text).toContain('  + IoT Hub: hub iot-eu-west-1-123456789012 (S1 × 1), 2 routes');
    expect(text).toContain('  daily messages: 18,720 of 400,000 (assumed 1/device/min, --messages-per-minute)');
    expect(text).toContain('  ✗ mirror republish: IoT Hub routes deliver to endpoints');
    expect(text).toContain('selfSigned 12 · certificateAuthority 0 · sas 1 (fallback)');
    expect(text).toContain('  ? 12 devices authenticate by thumbprint with a certificate whose CN is not the device ID (12 AWS-issued');
    expect(text).toMatch(/ {4}1\. keep thumbprint authentication/);
    expect(text).toContain('Rollout: 12 devices in 2 waves (5, 7; the first is the canary)');
    expect(text).toContain('Not migrated (2, all listed with reasons in plan.json notMigrated): 1 thing, 1 topic-rule-action');
    expect(text).toContain('  - thing bare: no ACTIVE certificate');
    expect(text).not.toContain('  - topic-rule-action');
    expect(lines.at(-1)).toContain('Next: terraform -chdir=out/terraform init');
  });

  it('says when there is nothing to roll out', () => {
    expect(summarizePlan(buildPlan(manifestWith(), options, render), 'out')).toContain('Rollout: no device to roll out');
  });
});
