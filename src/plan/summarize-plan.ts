import { join } from 'node:path';
import { TIER_QUOTAS } from '../terraform/hub-sizing.js';
import type { PlanContents } from './build-plan.js';
import { IDENTITIES_FILE, TERRAFORM_FILE } from './build-plan.js';
import type { NotMigrated } from './schema.js';

/** Longest list printed per section; the plan files hold the rest. */
const LIST_LIMIT = 5;

/** How the Terraform resources are grouped and named in the summary. */
const RESOURCE_GROUPS: { title: string; types: [string, string][] }[] = [
  { title: 'resource group', types: [['azurerm_resource_group', 'resource group']] },
  {
    title: 'IoT Hub',
    types: [
      ['azurerm_iothub', 'hub'],
      ['azurerm_iothub_consumer_group', 'consumer group'],
      ['azurerm_iothub_certificate', 'CA certificate'],
      ['azurerm_iothub_endpoint_eventhub', 'Event Hubs endpoint'],
      ['azurerm_iothub_endpoint_servicebus_queue', 'queue endpoint'],
      ['azurerm_iothub_endpoint_servicebus_topic', 'topic endpoint'],
      ['azurerm_iothub_endpoint_storage_container', 'storage endpoint'],
      ['azurerm_iothub_route', 'route'],
      ['azurerm_iothub_fallback_route', 'fallback route'],
    ],
  },
  {
    title: 'Event Hubs',
    types: [
      ['azurerm_eventhub_namespace', 'namespace'],
      ['azurerm_eventhub', 'event hub'],
      ['azurerm_eventhub_authorization_rule', 'send rule'],
      ['azurerm_eventhub_consumer_group', 'consumer group'],
    ],
  },
  {
    title: 'Service Bus',
    types: [
      ['azurerm_servicebus_namespace', 'namespace'],
      ['azurerm_servicebus_queue', 'queue'],
      ['azurerm_servicebus_queue_authorization_rule', 'queue send rule'],
      ['azurerm_servicebus_topic', 'topic'],
      ['azurerm_servicebus_topic_authorization_rule', 'topic send rule'],
    ],
  },
  {
    title: 'Storage',
    types: [
      ['azurerm_storage_account', 'account'],
      ['azurerm_storage_container', 'container'],
    ],
  },
];

/**
 * The one-screen review of a plan, in the spirit of `terraform plan`: what will be
 * created, how devices will authenticate, what will not carry over and why, and what
 * to run next. Every figure comes from plan.json, which has the full detail.
 */
export function summarizePlan(contents: PlanContents, planDir: string): string[] {
  const { plan } = contents;
  const sizing = plan.azure.sizing;
  const lines: string[] = [];
  const count = (value: number) => value.toLocaleString('en-US');
  const plural = (value: number, word: string) => `${count(value)} ${word}${value === 1 ? '' : 's'}`;

  lines.push(
    `Plan: ${plural(plan.source.things, 'thing')} from AWS IoT ${plan.source.region}${plan.source.accountId ? ` (${plan.source.accountId})` : ''} → IoT Hub ${plan.azure.hubName} in ${plan.azure.location}, resource group ${plan.azure.resourceGroup}`,
  );

  const resources = plan.azure.terraform.resources;
  const total = Object.values(resources).reduce((sum, n) => sum + n, 0);
  lines.push('', `Terraform (${join(planDir, TERRAFORM_FILE)}): ${total} to create`);
  for (const group of RESOURCE_GROUPS) {
    const parts = group.types.flatMap(([type, noun]) => {
      const n = resources[type];
      if (!n) return [];
      return [type === 'azurerm_iothub' ? `${noun} ${plan.azure.hubName} (${plan.azure.sku} × ${plan.azure.units})` : plural(n, noun)];
    });
    if (parts.length > 0) lines.push(`  + ${group.title}: ${parts.join(', ')}`);
  }
  const known = new Set(RESOURCE_GROUPS.flatMap((group) => group.types.map(([type]) => type)));
  const others = Object.entries(resources).filter(([type]) => !known.has(type));
  if (others.length > 0) lines.push(`  + other: ${others.map(([type, n]) => `${n} ${type}`).join(', ')}`);

  const quota = TIER_QUOTAS[plan.azure.sku];
  const alternatives = sizing.alternatives
    .filter((fit) => fit.sku !== plan.azure.sku)
    .map((fit) => `${fit.sku} × ${fit.units} costs ${ratio(fit.relativeCost, plan.azure.units * quota.relativeCost)}`);
  lines.push(
    '',
    `IoT Hub: ${plan.azure.sku} × ${plural(plan.azure.units, 'unit')} (${sizing.decidedBy}${alternatives.length > 0 ? `; ${alternatives.join(', ')}` : ''})`,
  );
  for (const check of sizing.checks) {
    const assumed =
      check.name === 'daily messages'
        ? ` (assumed ${sizing.messagesPerDevicePerMinute}/device/min, --messages-per-minute)`
        : check.name === 'new connections/s'
          ? ` (all devices back within ${sizing.reconnectMinutes} min, --reconnect-minutes)`
          : '';
    lines.push(`  ${check.name}: ${count(check.need)} of ${count(check.capacity)}${assumed}${check.need > check.capacity ? '  ! over capacity' : ''}`);
  }
  lines.push(`  identity creation: ${duration(sizing.identityCreationMinutes)} at one registry operation per device`);
  if (sizing.shortfall) lines.push(`  ! ${sizing.shortfall}`);

  const actions = plan.routing.rules.flatMap((rule) => rule.actions.map((action) => ({ rule, action })));
  const routed = actions.filter(({ action }) => action.status !== 'untranslatable');
  const approximate = routed.filter(({ action }) => action.status === 'approximate').length;
  lines.push(
    '',
    `Routing (${plural(plan.routing.rules.length, 'topic rule')}, ${plural(actions.length, 'action')}): ${plural(routed.length, 'route')}${
      approximate > 0 ? ` (${approximate} approximate)` : ''
    }, ${actions.length - routed.length} not translatable; routes filter on the original AWS topic in the "${plan.routing.topicProperty}" message property, and every message also stays on the built-in endpoint`,
  );
  const untranslatable = actions.filter(({ action }) => action.status === 'untranslatable');
  for (const { rule, action } of limit(untranslatable)) {
    if (action.status === 'untranslatable') lines.push(`  ✗ ${rule.ruleName} ${action.type}: ${action.reason}`);
  }
  if (untranslatable.length > LIST_LIMIT) lines.push(`  … and ${untranslatable.length - LIST_LIMIT} more`);
  const errorActions = plan.routing.rules.filter((rule) => rule.errorAction);
  if (errorActions.length > 0) {
    lines.push(`  ! error actions are not carried over (${errorActions.map((rule) => rule.ruleName).join(', ')}): ${errorActions[0]!.errorAction!.reason}`);
  }
  if (approximate > 0) lines.push(`  ~ what differs on the approximate routes, and the follow-ups, is in plan.json routing.rules`);

  const identities = plan.identities;
  lines.push(
    '',
    `Identities (${join(planDir, IDENTITIES_FILE)}): ${plural(identities.devices, 'device')}: selfSigned ${count(identities.byAuthentication.selfSigned)} · certificateAuthority ${count(identities.byAuthentication.certificateAuthority)} · sas ${count(identities.byAuthentication.sas)}${identities.byAuthentication.sas > 0 ? ' (fallback)' : ''}; no private key is read or written`,
  );
  const question = identities.commonNameQuestion;
  if (question.devices > 0) {
    lines.push(
      `  ? ${plural(question.devices, 'device')} ${question.devices === 1 ? 'authenticates' : 'authenticate'} by thumbprint with a certificate whose CN is not the device ID (${count(question.awsIssued)} AWS-issued, CN "AWS IoT Certificate"); whether IoT Hub accepts that is unverified. Your options:`,
    );
    for (const [index, option] of question.options.entries()) lines.push(`    ${index + 1}. ${option}`);
  }
  for (const flag of identities.flags) {
    if (flag.code === 'certificate-cn-not-device-id') continue;
    lines.push(`  ! ${plural(flag.devices, 'device')}: ${flag.meaning}`);
  }

  for (const ca of plan.certificateAuthorities) {
    lines.push(
      ca.verified
        ? `CA certificate ${ca.name} (${ca.subjectCommonName ?? ca.caCertificateId}) for ${plural(ca.devices, 'device')}: uploaded as verified (--ca-verified)`
        : `CA certificate ${ca.name} (${ca.subjectCommonName ?? ca.caCertificateId}) for ${plural(ca.devices, 'device')}: uploaded unverified; after terraform apply, prove possession of its key (steps in plan.json certificateAuthorities) or plan with --ca-verified`,
    );
  }

  const waves = plan.waves.list;
  const rollout = plan.rollout;
  const sizes = waves.map((wave) => count(wave.deviceIds.length));
  lines.push(
    '',
    waves.length === 0
      ? 'Rollout: no device to roll out'
      : `Rollout: ${plural(waves.reduce((sum, wave) => sum + wave.deviceIds.length, 0), 'device')} in ${plural(waves.length, 'wave')} (${
          sizes.length > 8 ? `${sizes.slice(0, 7).join(', ')}, … ${sizes.at(-1)}` : sizes.join(', ')
        }; the first is the canary); at most ${count(rollout.maximumPerMinute)}/min, abort when ${rollout.abort.thresholdPercentage}% of at least ${count(rollout.abort.minimumExecutedThings)} executed fail, ${rollout.inProgressTimeoutMinutes} min timeout, ${rollout.retries.numberOfRetries} retries`,
  );

  if (plan.notMigrated.length > 0) {
    lines.push('', `Not migrated (${plan.notMigrated.length}, all listed with reasons in plan.json notMigrated): ${kindCounts(plan.notMigrated)}`);
    // Rule actions were listed under Routing already.
    const others = plan.notMigrated.filter((entry) => !entry.kind.startsWith('topic-rule'));
    for (const entry of limit(others)) lines.push(`  - ${entry.kind} ${entry.subject}: ${entry.message}`);
    if (others.length > LIST_LIMIT) lines.push(`  … and ${others.length - LIST_LIMIT} more`);
  }

  const firmware = plan.firmware;
  if (firmware.status === 'planned') {
    lines.push(
      '',
      `Firmware (${join(planDir, firmware.directory)}): ${firmware.repo}: ${firmware.files.rewritten} files rewritten for IoT Hub, ${firmware.files.unchanged} unchanged, ${firmware.files.skipped} skipped, ${firmware.files.error} failed; ${firmware.findings.todo} TODOs for a developer (${join(planDir, firmware.report)})`,
      `  ships as version ${firmware.version} (entry ${firmware.entryPoint}), bundled and signed by apply with key ${firmware.signing.keyId.slice(0, 16)}… to s3://${firmware.bundle.bucket}/${firmware.bundle.key}`,
      `  the IAM role ${firmware.presignRoleArn} must exist, trusted by iot.amazonaws.com with s3:GetObject on the bundle: AWS IoT assumes it to presign each device's download URL`,
    );
  } else {
    lines.push('', `Firmware: not planned: ${firmware.reason}`);
  }
  const terraformDir = join(planDir, 'terraform');
  lines.push(
    '',
    `Next: terraform -chdir=${terraformDir} init && terraform -chdir=${terraformDir} apply (azurerm needs ARM_SUBSCRIPTION_ID), then ${
      firmware.status === 'planned' ? 'iotmigrate apply (identities, the signed bundle, its upload, the rollout)' : 'iotmigrate apply --stage identities'
    }`,
  );
  return lines;
}

function limit<T>(items: T[]): T[] {
  return items.slice(0, LIST_LIMIT);
}

function kindCounts(entries: NotMigrated[]): string {
  const counts = new Map<string, number>();
  for (const entry of entries) counts.set(entry.kind, (counts.get(entry.kind) ?? 0) + 1);
  return [...counts.entries()].map(([kind, n]) => `${n} ${kind}${n === 1 ? '' : 's'}`).join(', ');
}

function ratio(cost: number, base: number): string {
  const factor = cost / base;
  return factor >= 1 ? `${Math.round(factor * 10) / 10}×` : `${Math.round((1 / factor) * 10) / 10}× less`;
}

function duration(minutes: number): string {
  if (minutes < 1) return 'under a minute';
  if (minutes < 120) return `about ${Math.ceil(minutes)} min`;
  if (minutes < 48 * 60) return `about ${Math.round(minutes / 6) / 10} h`;
  return `about ${Math.round(minutes / 144) / 10} days`;
}
