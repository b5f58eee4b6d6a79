import {
  MANIFEST_SCHEMA_VERSION,
  type CaCertificate,
  type Certificate,
  type FirmwareRepo,
  type Manifest,
  type Policy,
  type Shadow,
  type Thing,
  type ThingGroup,
} from '../manifest/schema.js';
import { certificateFactsOf } from './certificate-facts.js';
import { compareCodeUnits, sortBy, sortedUnique } from './code-unit-order.js';
import type { EstateReadings } from './estate-readings.js';
import { findEstateFindings } from './find-findings.js';

/**
 * Builds the manifest from what the readers returned, deterministically: every array
 * sorted by its name key (by code unit, independent of locale), every reference list
 * sorted, nothing taken from the clock except the expiry findings' "now". The same
 * readings give the same bytes, which is what makes a resumed detect identical to an
 * uninterrupted one and manifests diff cleanly.
 */
export function assembleManifest(readings: EstateReadings, firmware: FirmwareRepo[], now: Date): Manifest {
  const thingNames = new Set(readings.things.map((thing) => thing.thingName));
  const knownThings = (names: Iterable<string>) => sortedUnique([...names].filter((name) => thingNames.has(name)));

  const groupsOfThing = new Map<string, string[]>();
  for (const [groupName, members] of readings.groupMembers) {
    for (const thingName of members) push(groupsOfThing, thingName, groupName);
  }
  const thingsOfPrincipal = new Map<string, string[]>();
  for (const [thingName, principals] of readings.thingPrincipals) {
    if (!thingNames.has(thingName)) continue;
    for (const principal of principals) push(thingsOfPrincipal, principal, thingName);
  }
  const policiesOfTarget = new Map<string, string[]>();
  for (const [policyName, targets] of readings.policyTargets) {
    for (const target of targets) push(policiesOfTarget, target, policyName);
  }

  const things: Thing[] = readings.things.map((reading) => {
    const principals = sortedUnique(readings.thingPrincipals.get(reading.thingName) ?? []);
    return {
      thingName: reading.thingName,
      thingArn: reading.thingArn,
      thingId: reading.thingId,
      thingTypeName: reading.thingTypeName,
      attributes: reading.attributes,
      version: reading.version,
      billingGroupName: reading.billingGroupName,
      clientId: reading.defaultClientId ?? reading.thingName,
      groups: sortedUnique(groupsOfThing.get(reading.thingName) ?? []),
      principals,
      certificateIds: sortedUnique(principals.flatMap((principal) => certificateIdOfArn(principal) ?? [])),
      shadows: sortShadows(readings.shadows?.get(reading.thingName) ?? []),
    };
  });

  const thingGroups: ThingGroup[] = readings.thingGroups.map((reading) => {
    const common = {
      groupName: reading.groupName,
      groupArn: reading.groupArn,
      parentGroupName: reading.parentGroupName,
      description: reading.description,
      attributes: reading.attributes,
      members: knownThings(readings.groupMembers.get(reading.groupName) ?? []),
    };
    return reading.dynamic ? { kind: 'dynamic', ...common, ...reading.dynamic } : { kind: 'static', ...common };
  });

  const certificates: Certificate[] = readings.certificates.map((reading) => ({
    certificateId: reading.certificateId,
    certificateArn: reading.certificateArn,
    status: reading.status,
    certificatePem: reading.certificatePem,
    ...certificateFactsOf(reading.certificatePem),
    issuer: reading.caCertificateId ? { kind: 'registered-ca', caCertificateId: reading.caCertificateId } : { kind: 'aws' },
    validity: { notBefore: reading.notBefore, notAfter: reading.notAfter },
    certificateMode: reading.certificateMode,
    things: sortedUnique(thingsOfPrincipal.get(reading.certificateArn) ?? []),
    policies: sortedUnique(policiesOfTarget.get(reading.certificateArn) ?? []),
  }));

  const caCertificates: CaCertificate[] = readings.caCertificates.map((reading) => {
    const facts = certificateFactsOf(reading.certificatePem);
    return {
      certificateId: reading.certificateId,
      certificateArn: reading.certificateArn,
      status: reading.status,
      certificatePem: reading.certificatePem,
      thumbprints: facts.thumbprints,
      subjectCommonName: facts.subjectCommonName,
      autoRegistrationStatus: reading.autoRegistrationStatus,
    };
  });

  const policies: Policy[] = readings.policies.map((reading) => ({
    ...reading,
    targets: sortedUnique(readings.policyTargets.get(reading.policyName) ?? []),
  }));

  const estate = {
    schemaVersion: MANIFEST_SCHEMA_VERSION,
    source: {
      accountId: accountIdOf([
        ...readings.things.map((thing) => thing.thingArn),
        ...readings.certificates.map((certificate) => certificate.certificateArn),
        ...readings.policies.map((policy) => policy.policyArn),
        ...readings.topicRules.map((rule) => rule.ruleArn),
      ]),
      ...readings.source,
    },
    things: sortBy(things, (thing) => thing.thingName),
    thingTypes: sortBy(readings.thingTypes, (type) => type.thingTypeName),
    thingGroups: sortBy(thingGroups, (group) => group.groupName),
    certificates: sortBy(certificates, (certificate) => certificate.certificateId),
    caCertificates: sortBy(caCertificates, (certificate) => certificate.certificateId),
    policies: sortBy(policies, (policy) => policy.policyName),
    topicRules: sortBy(readings.topicRules, (rule) => rule.ruleName),
    jobs: sortBy(readings.jobs, (job) => job.jobId),
    firmware: sortBy(firmware, (repo) => repo.path),
  } satisfies Omit<Manifest, 'findings'>;
  return { ...estate, findings: findEstateFindings(estate, readings.vanished, now) };
}

/** `arn:aws:iot:<region>:<account>:cert/<id>` → `<id>`; undefined for other principals. */
export function certificateIdOfArn(principalArn: string): string | undefined {
  const match = /^arn:[^:]+:iot:[^:]*:[^:]*:cert\/([0-9a-fA-F]+)$/.exec(principalArn);
  return match?.[1];
}

function accountIdOf(arns: string[]): string | null {
  for (const arn of arns) {
    const account = arn.split(':')[4];
    if (account) return account;
  }
  return null;
}

/** Classic shadow first, then named shadows by name. */
function sortShadows(shadows: Shadow[]): Shadow[] {
  return [...shadows].sort((a, b) => (a.name === null ? -1 : b.name === null ? 1 : compareCodeUnits(a.name, b.name)));
}

function push(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
