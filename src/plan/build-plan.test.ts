import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.js';
import type { AzureEstate } from '../terraform/azure-estate.js';
import { buildPlan, DEFAULT_SIZING_ASSUMPTIONS, type PlanOptions } from './build-plan.js';
import { certificate, manifestWith, thing, topicRule } from './manifest.fixture.js';
import { DEFAULT_ROLLOUT_LIMITS } from './rollout-limits.js';
import { PlanSchema } from './schema.js';
import { DEFAULT_WAVE_SETTINGS } from './waves.js';

const options: PlanOptions = {
  ...DEFAULT_SIZING_ASSUMPTIONS,
  waves: DEFAULT_WAVE_SETTINGS,
  rollout: DEFAULT_ROLLOUT_LIMITS,
  caVerified: false,
};
let rendered: AzureEstate | undefined;
const render = (estate: AzureEstate) => {
  rendered = estate;
  return { resource: { azurerm_iothub: { hub: {} }, azurerm_iothub_route: { a: {}, b: {} } } };
};

const CA_ID = 'ca'.repeat(32);
const fleet = manifestWith({
  things: [
    thing('aws-1', { certificateIds: ['c1'], thingTypeName: 'thermostat' }),
    thing('ca-1', { certificateIds: ['c2'], thingTypeName: 'gateway' }),
    thing('no-cert'),
  ],
  certificates: [
    certificate('c1', { things: ['aws-1'] }),
    certificate('c2', { things: ['ca-1'], subjectCommonName: 'ca-1', issuer: { kind: 'registered-ca', caCertificateId: CA_ID } }),
  ],
  caCertificates: [
    {
      certificateId: CA_ID,
      certificateArn: `arn:aws:iot:eu-west-1:123456789012:cacert/${CA_ID}`,
      status: 'ACTIVE',
      certificatePem: '-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n',
      thumbprints: { sha256: 'A'.repeat(64), sha1: 'A'.repeat(40) },
      subjectCommonName: 'Fleet Root CA',
      autoRegistrationStatus: null,
    },
  ],
  policies: [{ policyName: 'device-policy', policyArn: 'p', defaultVersionId: '1', document: {}, targets: [] }],
  thingGroups: [
    {
      kind: 'dynamic',
      groupName: 'old-firmware',
      groupArn: 'g',
      parentGroupName: null,
      description: null,
      attributes: {},
      members: [],
      queryString: 'attributes.fw:1.*',
      indexName: null,
      queryVersion: null,
      status: null,
    },
  ],
  jobs: [
    { jobId: 'running', jobArn: 'j1', status: 'IN_PROGRESS', targetSelection: 'SNAPSHOT', thingGroupId: null, createdAt: null, completedAt: null },
    { jobId: 'done', jobArn: 'j2', status: 'COMPLETED', targetSelection: 'SNAPSHOT', thingGroupId: null, createdAt: null, completedAt: null },
  ],
  topicRules: [
    topicRule('mirror', "SELECT * FROM 'a'", [{ type: 'republish', config: { topic: 'b' } }], {
      errorAction: { type: 'sqs', config: {} },
    }),
  ],
});

describe('buildPlan', () => {
  it('derives the Azure names and the nearest location from the AWS source', () => {
    const { plan } = buildPlan(fleet, options, render);
    expect(plan.azure).toMatchObject({
      hubName: 'iot-eu-west-1-123456789012',
      resourceGroup: 'rg-iot-eu-west-1-123456789012',
      location: 'northeurope',
      sku: 'S1',
      units: 1,
      terraform: { file: 'terraform/cdk.tf.json', resources: { azurerm_iothub: 1, azurerm_iothub_route: 2 } },
    });
    expect(PlanSchema.parse(plan)).toEqual(plan);
  });

  it('uploads only the registered CAs an identity authenticates through, and explains the proof of possession', () => {
    const { plan } = buildPlan(fleet, options, render);
    expect(rendered!.certificates).toEqual([
      { name: `aws-ca-${CA_ID.slice(0, 12)}`, caCertificateId: CA_ID, certificatePem: expect.any(String), verified: false },
    ]);
    expect(plan.certificateAuthorities[0]).toMatchObject({ subjectCommonName: 'Fleet Root CA', devices: 1, verified: false });
    expect(plan.certificateAuthorities[0]!.proofOfPossession.join('\n')).toMatch(/generate-verification-code[\s\S]*az iot hub certificate verify/);
    expect(buildPlan(fleet, { ...options, caVerified: true }, render).plan.certificateAuthorities[0]!.verified).toBe(true);
  });

  it('counts identities by authentication and poses the CN question with the options', () => {
    const { plan } = buildPlan(fleet, options, render);
    expect(plan.identities.byAuthentication).toEqual({ selfSigned: 1, certificateAuthority: 1, sas: 1 });
    expect(plan.identities.commonNameQuestion).toMatchObject({ devices: 1, awsIssued: 1 });
    expect(plan.identities.commonNameQuestion.options).toHaveLength(3);
    expect(plan.identities.flags.map((flag) => flag.code)).toEqual(['certificate-cn-not-device-id', 'no-active-certificate']);
  });

  it('rolls out every identity but the SAS fallback, and judges aborts after the canary', () => {
    const { plan } = buildPlan(fleet, options, render);
    expect(plan.waves.list).toEqual([{ index: 1, name: 'canary', deviceIds: ['ca-1', 'aws-1'] }]);
    expect(plan.rollout).toEqual({
      maximumPerMinute: 1000,
      abort: { failureType: 'ALL', thresholdPercentage: 10, minimumExecutedThings: 2 },
      inProgressTimeoutMinutes: 30,
      retries: { failureTypes: ['FAILED', 'TIMED_OUT'], numberOfRetries: 2 },
      stragglers: { retryWaves: 2, coolDownSeconds: 300 },
      azureConnectTimeoutSeconds: 300,
    });
  });

  it('lists what is not migrated, with reasons, in a stable order', () => {
    const { plan } = buildPlan(fleet, options, render);
    expect(plan.notMigrated.map((entry) => [entry.kind, entry.subject, entry.reason])).toEqual([
      ['job', 'running', 'job-in-progress'],
      ['policy', 'device-policy', 'no-equivalent'],
      ['thing', 'no-cert', 'no-active-certificate'],
      ['thing-group', 'old-firmware', 'no-equivalent'],
      ['topic-rule-action', 'mirror action 1 (republish)', 'untranslatable'],
      ['topic-rule-error-action', 'mirror error action (sqs)', 'untranslatable'],
    ]);
  });

  it('keeps a place for the firmware part until the codemod arrives', () => {
    const { plan } = buildPlan(fleet, options, render);
    expect(plan.firmware).toMatchObject({ status: 'not-planned', reposInManifest: [] });
    expect(plan.stages.map((stage) => [stage.name, stage.ready])).toEqual([
      ['azure-estate', true],
      ['identities', true],
      ['firmware', false],
      ['rollout', false],
      ['verify', false],
    ]);
  });

  it.each([
    [{ hubName: 'bad--name' }, '--hub-name "bad--name" is not valid'],
    [{ resourceGroup: 'rg.' }, '--resource-group "rg." is not valid'],
    [{ location: 'West Europe' }, '--location "West Europe" is not valid'],
    [{ rollout: { ...DEFAULT_ROLLOUT_LIMITS, numberOfRetries: 11 } }, '--retries must be'],
    [{ rollout: { ...DEFAULT_ROLLOUT_LIMITS, inProgressTimeoutMinutes: 5, azureConnectTimeoutSeconds: 300 } }, '--azure-connect-timeout must be whole seconds from 1 to 299'],
    [{ waves: { ...DEFAULT_WAVE_SETTINGS, canaryPercent: 101 } }, '--canary-percent'],
    [{ sku: 'S3' as const, units: 20 }, 'S3 has at most 10 units'],
  ])('refuses bad options %j', (override, message) => {
    expect(() => buildPlan(fleet, { ...options, ...override }, render)).toThrow(UsageError);
    expect(() => buildPlan(fleet, { ...options, ...override }, render)).toThrow(message);
  });

  it('asks for --location when the AWS region has no default', () => {
    const elsewhere = manifestWith({ source: { ...fleet.source, region: 'il-central-1' } });
    expect(() => buildPlan(elsewhere, options, render)).toThrow('no default Azure location for AWS region il-central-1');
    expect(buildPlan(elsewhere, { ...options, location: 'israelcentral' }, render).plan.azure.location).toBe('israelcentral');
  });
});
