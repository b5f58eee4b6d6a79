import { createHash } from 'node:crypto';
import { MANIFEST_SCHEMA_VERSION, type Certificate, type Manifest, type Thing, type TopicRule } from '../manifest/schema.js';

/**
 * Small hand-made manifests for plan's unit tests: each builder fills what the case
 * does not care about. Thumbprints are derived from the ID, not from a real PEM (the
 * end-to-end tests check real certificates).
 */
export function manifestWith(parts: Partial<Manifest> = {}): Manifest {
  return {
    schemaVersion: MANIFEST_SCHEMA_VERSION,
    source: { accountId: '123456789012', region: 'eu-west-1', controlEndpoint: null, dataEndpoint: 'example-ats.iot.eu-west-1.amazonaws.com' },
    things: [],
    thingTypes: [],
    thingGroups: [],
    certificates: [],
    caCertificates: [],
    policies: [],
    topicRules: [],
    jobs: [],
    firmware: [],
    findings: [],
    ...parts,
  };
}

export function thing(thingName: string, parts: Partial<Thing> = {}): Thing {
  return {
    thingName,
    thingArn: `arn:aws:iot:eu-west-1:123456789012:thing/${thingName}`,
    thingId: null,
    thingTypeName: 'sensor',
    attributes: {},
    version: 1,
    billingGroupName: null,
    clientId: thingName,
    groups: [],
    principals: [],
    certificateIds: [],
    shadows: [],
    ...parts,
  };
}

export function certificate(certificateId: string, parts: Partial<Certificate> = {}): Certificate {
  const sha256 = createHash('sha256').update(certificateId).digest('hex').toUpperCase();
  return {
    certificateId,
    certificateArn: `arn:aws:iot:eu-west-1:123456789012:cert/${certificateId}`,
    status: 'ACTIVE',
    certificatePem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
    thumbprints: { sha256, sha1: sha256.slice(0, 40) },
    issuer: { kind: 'aws' },
    subjectCommonName: 'AWS IoT Certificate',
    issuerCommonName: 'Amazon RSA 2048 M01',
    validity: { notBefore: '2025-01-01T00:00:00.000Z', notAfter: '2030-01-01T00:00:00.000Z' },
    certificateMode: 'DEFAULT',
    things: [],
    policies: [],
    ...parts,
  };
}

export function topicRule(ruleName: string, sql: string, actions: TopicRule['actions'], parts: Partial<TopicRule> = {}): TopicRule {
  return {
    ruleName,
    ruleArn: `arn:aws:iot:eu-west-1:123456789012:rule/${ruleName}`,
    sql,
    awsIotSqlVersion: '2016-03-23',
    description: null,
    enabled: true,
    actions,
    errorAction: null,
    ...parts,
  };
}
