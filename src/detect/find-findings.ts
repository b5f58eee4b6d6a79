import type { Finding, Manifest } from '../manifest/schema.js';
import { compareCodeUnits } from './code-unit-order.js';
import type { EstateReadings } from './estate-readings.js';

/**
 * What in the estate needs a decision before it can move to IoT Hub, as findings with a
 * stable code. Pure: the manifest's estate and "now" in, findings out, sorted by code
 * and subject.
 */
export const EXPIRY_WARNING_DAYS = 30;
/** IoT Hub keeps two thumbprints per device: primary and secondary. */
const THUMBPRINTS_PER_DEVICE = 2;
const DAY_MS = 86_400_000;
const NAMES_LISTED = 5;

export function findEstateFindings(
  estate: Omit<Manifest, 'findings'>,
  vanished: EstateReadings['vanished'],
  now: Date,
): Finding[] {
  const findings: Finding[] = [];
  const add = (code: string, subject: string, message: string) => findings.push({ code, subject, message });
  const certificates = new Map(estate.certificates.map((certificate) => [certificate.certificateId, certificate]));

  for (const thing of estate.things) {
    if (thing.certificateIds.length === 0) {
      add(
        'thing-without-certificate',
        thing.thingName,
        `${thing.thingName} has no certificate attached, so it has no X.509 identity to keep on IoT Hub: give it a certificate or plan a SAS key`,
      );
    }
    if (thing.certificateIds.length > THUMBPRINTS_PER_DEVICE) {
      add(
        'thing-too-many-certificates',
        thing.thingName,
        `${thing.thingName} has ${thing.certificateIds.length} certificates attached; an IoT Hub device holds ${THUMBPRINTS_PER_DEVICE} thumbprints (primary and secondary)`,
      );
    }
    for (const certificateId of thing.certificateIds) {
      const certificate = certificates.get(certificateId);
      if (
        certificate?.issuer.kind === 'registered-ca' &&
        certificate.subjectCommonName !== null &&
        certificate.subjectCommonName !== thing.thingName
      ) {
        add(
          'certificate-cn-mismatch',
          thing.thingName,
          `${thing.thingName} uses a certificate from its registered CA whose CN is "${certificate.subjectCommonName}": IoT Hub's CA authentication needs the CN to be the device ID, so register it by thumbprint`,
        );
      }
    }
  }

  for (const certificate of estate.certificates) {
    const id = certificate.certificateId;
    const short = shortId(id);
    const attachedTo = certificate.things;
    if (attachedTo.length > 1) {
      add(
        'certificate-shared',
        id,
        `certificate ${short} is attached to ${attachedTo.length} things (${listNames(attachedTo)}): on IoT Hub each device needs a certificate of its own`,
      );
    }
    if (attachedTo.length === 0) {
      if (certificate.status === 'ACTIVE') {
        add('certificate-unattached', id, `certificate ${short} is ACTIVE but attached to no thing: there is no device to move it with`);
      }
      continue;
    }
    if (certificate.status !== 'ACTIVE') {
      add(
        'certificate-not-active',
        id,
        `certificate ${short} is ${certificate.status} but attached to ${listNames(attachedTo)}: ${attachedTo.length > 1 ? 'those devices' : 'that device'} cannot connect with it today`,
      );
    }
    const daysLeft = Math.floor((Date.parse(certificate.validity.notAfter) - now.getTime()) / DAY_MS);
    const notAfter = certificate.validity.notAfter.slice(0, 10);
    if (daysLeft < 0) {
      add('certificate-expired', id, `certificate ${short} of ${listNames(attachedTo)} expired on ${notAfter}`);
    } else if (daysLeft <= EXPIRY_WARNING_DAYS) {
      add(
        'certificate-expiring',
        id,
        `certificate ${short} of ${listNames(attachedTo)} expires on ${notAfter} (in ${daysLeft} days): renew it before or right after the move`,
      );
    }
  }

  for (const type of estate.thingTypes) {
    if (!type.deprecated) continue;
    const users = estate.things.filter((thing) => thing.thingTypeName === type.thingTypeName).length;
    add('thing-type-deprecated', type.thingTypeName, `thing type ${type.thingTypeName} is deprecated and still used by ${users} things`);
  }

  for (const group of estate.thingGroups) {
    if (group.kind !== 'dynamic') continue;
    add(
      'dynamic-group',
      group.groupName,
      `dynamic group ${group.groupName} (query "${group.queryString}", ${group.members.length} members now): IoT Hub has no query-based groups, so it becomes a twin query`,
    );
  }

  for (const rule of estate.topicRules) {
    if (rule.enabled) continue;
    add('topic-rule-disabled', rule.ruleName, `topic rule ${rule.ruleName} is disabled: decide whether IoT Hub should route its messages at all`);
  }

  for (const job of estate.jobs) {
    if (job.status !== 'IN_PROGRESS' && job.status !== 'SCHEDULED') continue;
    add(
      'job-active',
      job.jobId,
      `job ${job.jobId} is ${job.status}: let it finish or cancel it before the migration's OTA job targets the same devices`,
    );
  }

  for (const repo of estate.firmware) {
    if (repo.flavours.length === 0) {
      add('firmware-without-aws-iot', repo.path, `firmware repo ${repo.path} shows no AWS IoT device SDK or MQTT use: nothing there for the rewrite`);
    }
    const provisioning = repo.files.filter((file) => file.usesProvisioning).length;
    if (provisioning > 0) {
      add(
        'firmware-uses-fleet-provisioning',
        repo.path,
        `firmware repo ${repo.path} uses AWS fleet provisioning (${provisioning} files): new devices will need the Azure Device Provisioning Service`,
      );
    }
  }

  for (const { kind, name } of vanished) {
    add('resource-vanished', name, `${kind} ${name} was listed but deleted before detect could read it: the estate changed during detect`);
  }

  return findings.sort((a, b) => compareCodeUnits(a.code, b.code) || compareCodeUnits(a.subject, b.subject) || compareCodeUnits(a.message, b.message));
}

function shortId(certificateId: string): string {
  return `${certificateId.slice(0, 12)}…`;
}

function listNames(names: string[]): string {
  const shown = names.slice(0, NAMES_LISTED).join(', ');
  return names.length > NAMES_LISTED ? `${shown} and ${names.length - NAMES_LISTED} more` : shown;
}
