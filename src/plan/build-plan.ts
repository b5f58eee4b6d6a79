import { UsageError } from '../errors.js';
import type { Manifest } from '../manifest/schema.js';
import { describeAzureEstate, type AzureEstate, type EstateCaCertificate } from '../terraform/azure-estate.js';
import { nearestAzureLocation } from '../terraform/azure-location.js';
import {
  defaultHubName,
  defaultResourceGroupName,
  hubNameProblem,
  locationProblem,
  resourceGroupNameProblem,
} from '../terraform/azure-names.js';
import { sizeIotHub, type HubSku } from '../terraform/hub-sizing.js';
import { MQTT_TOPIC_PROPERTY } from '../terraform/route-condition.js';
import { BUILT_IN_ROUTE_NAME, translateTopicRules, type RoutingPlan } from '../terraform/rule-routes.js';
import { planFirmwareRelease, type FirmwareReleaseInput } from './firmware-release.js';
import { commonNameOptions, IDENTITY_FLAG_MEANINGS } from './identity-flags.js';
import { planIdentities } from './plan-identities.js';
import type { FirmwareRewriteSection } from './rewrite-firmware.js';
import { rolloutLimitsProblem, type RolloutLimits } from './rollout-limits.js';
import { PLAN_SCHEMA_VERSION, type IdentitiesFile, type Identity, type IdentityFlag, type NotMigrated, type Plan } from './schema.js';
import { planWaves, waveSettingsProblem, type WaveSettings } from './waves.js';

export interface PlanOptions {
  hubName?: string;
  location?: string;
  resourceGroup?: string;
  sku?: HubSku;
  units?: number;
  messagesPerDevicePerMinute: number;
  reconnectMinutes: number;
  waves: WaveSettings;
  rollout: RolloutLimits;
  /** Upload registered CAs as verified, the owner vouching for them instead of proving possession. */
  caVerified: boolean;
}

/** What the codemod made of --firmware-repo, and what its release is decided from. */
export interface FirmwareInput {
  rewrite: FirmwareRewriteSection;
  release: FirmwareReleaseInput;
}

export const DEFAULT_SIZING_ASSUMPTIONS = { messagesPerDevicePerMinute: 1, reconnectMinutes: 30 } as const;

/** Where the Terraform JSON goes inside the plan directory. */
export const TERRAFORM_FILE = 'terraform/cdk.tf.json';
export const IDENTITIES_FILE = 'identities.json';

export interface PlanContents {
  plan: Plan;
  identities: IdentitiesFile;
  estate: AzureEstate;
  terraform: Record<string, unknown>;
}

/**
 * Every decision of `plan`, from the manifest alone. Pure given a pure renderer, so the
 * same manifest and options always give the same plan; the renderer is passed in to
 * keep CDKTF out of everything but src/terraform/.
 */
export function buildPlan(
  manifest: Manifest,
  options: PlanOptions,
  renderTerraform: (estate: AzureEstate) => Record<string, unknown>,
  firmwareInput?: FirmwareInput,
): PlanContents {
  const problem = waveSettingsProblem(options.waves) ?? rolloutLimitsProblem(options.rollout);
  if (problem) throw new UsageError(problem);
  const names = azureNames(manifest, options);
  const firmware: Plan['firmware'] = firmwareInput
    ? { ...firmwareInput.rewrite, ...planFirmwareRelease(firmwareInput.release, manifest.source, names.hubName) }
    : {
        status: 'not-planned',
        reason: 'no --firmware-repo was given: plan again with --firmware-repo DIR to rewrite the device firmware for IoT Hub',
        reposInManifest: manifest.firmware.map((repo) => repo.path),
      };

  const { identities, notMigrated: thingsNotMigrated } = planIdentities(manifest);
  const sizingResult = sizeIotHub({
    devices: identities.length,
    messagesPerDevicePerMinute: options.messagesPerDevicePerMinute,
    reconnectMinutes: options.reconnectMinutes,
    sku: options.sku,
    units: options.units,
  });
  if (!sizingResult.ok) throw new UsageError(sizingResult.reason, { hint: 'choose the tier and units with --sku and --units' });
  const sizing = sizingResult.sizing;

  const routing = translateTopicRules(manifest.topicRules);
  const certificates = caCertificatesInUse(manifest, identities, options.caVerified);
  const estate = describeAzureEstate({
    hubName: names.hubName,
    resourceGroupName: names.resourceGroup,
    location: names.location,
    sku: sizing.sku,
    units: sizing.units,
    routing,
    certificates,
    source: { accountId: manifest.source.accountId, region: manifest.source.region },
  });
  const terraform = renderTerraform(estate);
  const resources = resourceCounts(terraform);

  const thingTypes = new Map(manifest.things.map((thing) => [thing.thingName, thing.thingTypeName]));
  const waves = planWaves(
    identities
      .filter((identity) => identity.authentication.type !== 'sas')
      .map((identity) => ({
        deviceId: identity.deviceId,
        stratum: [
          thingTypes.get(identity.thingName) ?? 'untyped',
          identity.authentication.type,
          ...(identity.flags.includes('certificate-cn-not-device-id') ? ['cn-not-device-id'] : []),
        ].join('|'),
      })),
    options.waves,
  );
  const rolledOut = waves.reduce((sum, wave) => sum + wave.deviceIds.length, 0);
  const canarySize = waves[0]?.deviceIds.length ?? 1;

  const plan: Plan = {
    schemaVersion: PLAN_SCHEMA_VERSION,
    source: {
      accountId: manifest.source.accountId,
      region: manifest.source.region,
      dataEndpoint: manifest.source.dataEndpoint,
      things: manifest.things.length,
    },
    azure: {
      resourceGroup: names.resourceGroup,
      location: names.location,
      hubName: names.hubName,
      sku: sizing.sku,
      units: sizing.units,
      sizing: {
        decidedBy: sizing.decidedBy,
        devices: identities.length,
        messagesPerDevicePerMinute: options.messagesPerDevicePerMinute,
        reconnectMinutes: options.reconnectMinutes,
        messagesPerDay: sizing.messagesPerDay,
        checks: sizing.checks.map((check) => ({ ...check, need: round(check.need) })),
        identityCreationMinutes: round(sizing.identityCreationMinutes),
        alternatives: sizing.alternatives,
        shortfall: sizing.shortfall,
      },
      terraform: { file: TERRAFORM_FILE, resources },
    },
    stages: [
      {
        name: 'azure-estate',
        runBy: 'terraform',
        description: `terraform init && terraform apply in terraform/: ${Object.values(resources).reduce((a, b) => a + b, 0)} resources${
          certificates.some((certificate) => !certificate.verified) ? ', then the CA proof of possession' : ''
        }`,
        ready: true,
      },
      {
        name: 'identities',
        runBy: 'iotmigrate apply --stage identities',
        description: `${identities.length} device identities, their twin tags and desired properties`,
        ready: true,
      },
      {
        name: 'firmware',
        runBy: 'iotmigrate plan --firmware-repo',
        description:
          firmware.status === 'planned'
            ? `${firmware.files.rewritten} files of ${firmware.repo} rewritten for IoT Hub into ${firmware.directory}/, ${firmware.findings.todo} TODOs for a developer (${firmware.report}), ${firmware.files.error} files the rewrite failed on`
            : 'the device firmware rewritten for IoT Hub',
        ready: firmware.status === 'planned' && firmware.files.error === 0 && firmware.findings.todo === 0,
      },
      {
        name: 'rollout',
        runBy: 'iotmigrate apply --stage rollout',
        description: `${rolledOut} devices in ${waves.length} waves of AWS IoT jobs, make before break`,
        ready: false,
      },
      {
        name: 'verify',
        runBy: 'iotmigrate apply --stage verify',
        description: 'each device connected to IoT Hub and reporting the new firmware',
        ready: false,
      },
    ],
    identities: identitySummary(identities),
    certificateAuthorities: certificates.map((certificate) => ({
      name: certificate.name,
      caCertificateId: certificate.caCertificateId,
      subjectCommonName: manifest.caCertificates.find((ca) => ca.certificateId === certificate.caCertificateId)?.subjectCommonName ?? null,
      devices: identities.filter(
        (identity) =>
          identity.authentication.type === 'certificateAuthority' &&
          identity.authentication.caCertificateIds.includes(certificate.caCertificateId),
      ).length,
      verified: certificate.verified,
      proofOfPossession: proofOfPossessionSteps(names.hubName, certificate),
    })),
    routing: {
      topicProperty: MQTT_TOPIC_PROPERTY,
      endpoints: routing.endpoints.map((endpoint) => ({ name: endpoint.name, ...describeDestination(endpoint.destination, estate) })),
      rules: routing.rules,
      builtInRoute: BUILT_IN_ROUTE_NAME,
      fallbackRoute: 'events',
    },
    waves: { ...options.waves, list: waves },
    rollout: {
      maximumPerMinute: options.rollout.maximumPerMinute,
      abort: {
        failureType: 'ALL',
        thresholdPercentage: options.rollout.abortThresholdPercentage,
        minimumExecutedThings: options.rollout.abortMinimumExecutedThings ?? canarySize,
      },
      inProgressTimeoutMinutes: options.rollout.inProgressTimeoutMinutes,
      retries: { failureTypes: ['FAILED', 'TIMED_OUT'], numberOfRetries: options.rollout.numberOfRetries },
      stragglers: { retryWaves: options.rollout.retryWaves, coolDownSeconds: options.rollout.retryCoolDownSeconds },
      azureConnectTimeoutSeconds: options.rollout.azureConnectTimeoutSeconds,
    },
    notMigrated: sortNotMigrated([...thingsNotMigrated, ...estateNotMigrated(manifest, routing)]),
    firmware,
  };
  return { plan, identities: { schemaVersion: PLAN_SCHEMA_VERSION, devices: identities }, estate, terraform };
}

function azureNames(manifest: Manifest, options: PlanOptions): { hubName: string; resourceGroup: string; location: string } {
  const hubName = options.hubName ?? defaultHubName(manifest.source.region, manifest.source.accountId);
  const resourceGroup = options.resourceGroup ?? defaultResourceGroupName(hubName);
  const location = options.location ?? nearestAzureLocation(manifest.source.region);
  if (!location) {
    throw new UsageError(`there is no default Azure location for AWS region ${manifest.source.region}`, {
      hint: 'pass --location, e.g. --location westeurope',
    });
  }
  const problems: [string, string, string | undefined][] = [
    ['--hub-name', hubName, hubNameProblem(hubName)],
    ['--resource-group', resourceGroup, resourceGroupNameProblem(resourceGroup)],
    ['--location', location, locationProblem(location)],
  ];
  for (const [flag, value, problem] of problems) {
    if (problem) throw new UsageError(`${flag} "${value}" is not valid: ${problem}`);
  }
  return { hubName, resourceGroup, location };
}

/** The registered CAs that at least one identity authenticates through. */
function caCertificatesInUse(manifest: Manifest, identities: Identity[], verified: boolean): EstateCaCertificate[] {
  const inUse = new Set(
    identities.flatMap((identity) => (identity.authentication.type === 'certificateAuthority' ? identity.authentication.caCertificateIds : [])),
  );
  return manifest.caCertificates
    .filter((ca) => inUse.has(ca.certificateId))
    .map((ca) => ({
      name: `aws-ca-${ca.certificateId.slice(0, 12)}`,
      caCertificateId: ca.certificateId,
      certificatePem: ca.certificatePem,
      verified,
    }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function proofOfPossessionSteps(hubName: string, certificate: EstateCaCertificate): string[] {
  if (certificate.verified) return ['uploaded as verified (--ca-verified): you vouch for the CA, no proof step'];
  return [
    `terraform apply uploads the CA as ${certificate.name}, unverified: devices cannot authenticate through it yet`,
    `az iot hub certificate generate-verification-code --hub-name ${hubName} --name ${certificate.name} --etag "$(az iot hub certificate show --hub-name ${hubName} --name ${certificate.name} --query etag -o tsv)"`,
    'with the CA private key (iotmigrate never reads it), issue a certificate whose CN is that verification code: openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout pop.key -subj "/CN=<code>" | openssl x509 -req -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 -out pop.pem',
    `az iot hub certificate verify --hub-name ${hubName} --name ${certificate.name} --path pop.pem --etag <the etag returned by the previous step>`,
    'or plan with --ca-verified to upload it as verified, vouching for the CA yourself',
  ];
}

function identitySummary(identities: Identity[]): Plan['identities'] {
  const byAuthentication = { selfSigned: 0, certificateAuthority: 0, sas: 0 };
  const flagCounts = new Map<IdentityFlag, number>();
  let cnQuestion = 0;
  let awsIssued = 0;
  for (const identity of identities) {
    byAuthentication[identity.authentication.type] += 1;
    for (const flag of identity.flags) flagCounts.set(flag, (flagCounts.get(flag) ?? 0) + 1);
    if (identity.flags.includes('certificate-cn-not-device-id')) {
      cnQuestion += 1;
      if (identity.certificates.some((certificate) => certificate.issuer === 'aws')) awsIssued += 1;
    }
  }
  return {
    file: IDENTITIES_FILE,
    devices: identities.length,
    byAuthentication,
    flags: [...flagCounts.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([code, devices]) => ({ code, devices, meaning: IDENTITY_FLAG_MEANINGS[code] })),
    commonNameQuestion: { devices: cnQuestion, awsIssued, options: cnQuestion > 0 ? commonNameOptions() : [] },
  };
}

function describeDestination(destination: RoutingPlan['endpoints'][number]['destination'], estate: AzureEstate): { kind: string; target: string; replaces: string } {
  switch (destination.kind) {
    case 'event-hub':
      return { kind: 'event-hub', target: `event hub ${destination.eventHubName} in namespace ${estate.eventHubs!.namespaceName}`, replaces: destination.awsResource };
    case 'service-bus-queue':
      return { kind: 'service-bus-queue', target: `queue ${destination.queueName} in namespace ${estate.serviceBus!.namespaceName}`, replaces: destination.awsResource };
    case 'service-bus-topic':
      return { kind: 'service-bus-topic', target: `topic ${destination.topicName} in namespace ${estate.serviceBus!.namespaceName}`, replaces: destination.awsResource };
    case 'storage-container':
      return { kind: 'storage-container', target: `container ${destination.containerName} in storage account ${estate.storage!.accountName}`, replaces: destination.awsResource };
  }
}

/** Rule actions, policies, dynamic groups and running jobs that do not carry over. */
function estateNotMigrated(manifest: Manifest, routing: RoutingPlan): NotMigrated[] {
  const entries: NotMigrated[] = [];
  for (const rule of routing.rules) {
    for (const action of rule.actions) {
      if (action.status !== 'untranslatable') continue;
      entries.push({
        kind: 'topic-rule-action',
        subject: `${rule.ruleName} action ${action.index + 1} (${action.type})`,
        reason: 'untranslatable',
        message: action.reason,
      });
    }
    if (rule.errorAction) {
      entries.push({
        kind: 'topic-rule-error-action',
        subject: `${rule.ruleName} error action (${rule.errorAction.type})`,
        reason: 'untranslatable',
        message: rule.errorAction.reason,
      });
    }
  }
  for (const policy of manifest.policies) {
    entries.push({
      kind: 'policy',
      subject: policy.policyName,
      reason: 'no-equivalent',
      message: 'IoT Hub authorizes each device by its identity on fixed per-device topics; AWS IoT policy statements (topic and client ID scoping) have no counterpart',
    });
  }
  for (const group of manifest.thingGroups) {
    if (group.kind !== 'dynamic') continue;
    entries.push({
      kind: 'thing-group',
      subject: group.groupName,
      reason: 'no-equivalent',
      message: `dynamic group: its members are tagged (tags.groups) as of this plan, but the query ${group.queryString} is not re-evaluated on Azure; use a twin query instead`,
    });
  }
  for (const job of manifest.jobs) {
    if (job.status !== 'IN_PROGRESS' && job.status !== 'SCHEDULED') continue;
    entries.push({
      kind: 'job',
      subject: job.jobId,
      reason: 'job-in-progress',
      message: `the job is ${job.status}; finish or cancel it before the rollout, whose job would otherwise queue behind it on the devices it targets`,
    });
  }
  return entries;
}

function sortNotMigrated(entries: NotMigrated[]): NotMigrated[] {
  const key = (entry: NotMigrated) => `${entry.kind}\u0000${entry.subject}`;
  return entries.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

function resourceCounts(terraform: Record<string, unknown>): Record<string, number> {
  const resources = (terraform.resource ?? {}) as Record<string, Record<string, unknown>>;
  return Object.fromEntries(
    Object.entries(resources)
      .map(([type, instances]) => [type, Object.keys(instances).length] as const)
      .sort(([a], [b]) => (a < b ? -1 : 1)),
  );
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
