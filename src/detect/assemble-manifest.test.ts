import { beforeAll, describe, expect, it } from 'vitest';
import { stableStringify } from '../fs/atomic-write.js';
import { ManifestSchema } from '../manifest/schema.js';
import { assembleManifest, certificateIdOfArn } from './assemble-manifest.js';
import type { EstateReadings } from './estate-readings.js';
import { sampleReadings } from './estate-readings.fixture.js';

const NOW = new Date('2026-11-20T00:00:00Z');
let readings: EstateReadings;
beforeAll(async () => {
  readings = await sampleReadings();
});

const reversed = (source: EstateReadings): EstateReadings => ({
  ...source,
  things: [...source.things].reverse(),
  thingGroups: [...source.thingGroups].reverse(),
  certificates: [...source.certificates].reverse(),
  thingTypes: [...source.thingTypes].reverse(),
  topicRules: [...source.topicRules].reverse(),
  jobs: [...source.jobs].reverse(),
  thingPrincipals: new Map([...source.thingPrincipals].reverse().map(([name, list]) => [name, [...list].reverse()])),
  groupMembers: new Map([...source.groupMembers].reverse().map(([name, list]) => [name, [...list].reverse()])),
  policyTargets: new Map([...source.policyTargets].map(([name, list]) => [name, [...list].reverse()])),
});

describe('assembleManifest', () => {
  it('produces a manifest that matches the schema, every array sorted by its name', () => {
    const manifest = ManifestSchema.parse(assembleManifest(readings, [], NOW));
    expect(manifest.things.map((thing) => thing.thingName)).toEqual(['gateway-1', 'sensor-2', 'sensor-3', 'sensor-4']);
    expect(manifest.thingGroups.map((group) => group.groupName)).toEqual(['all-sites', 'firmware-1.0', 'site-berlin']);
    expect(manifest.thingTypes.map((type) => type.thingTypeName)).toEqual(['gateway', 'sensor']);
    expect(manifest.topicRules.map((rule) => rule.ruleName)).toEqual(['audit', 'to_kinesis']);
    expect(manifest.jobs.map((job) => job.jobId)).toEqual(['ota-1', 'ota-2']);
    const ids = manifest.certificates.map((certificate) => certificate.certificateId);
    expect(ids).toEqual([...ids].sort());
  });

  it('gives the same bytes whatever order the readers returned things in', () => {
    expect(stableStringify(assembleManifest(reversed(readings), [], NOW))).toBe(stableStringify(assembleManifest(readings, [], NOW)));
  });

  it('derives each thing’s groups from group memberships, static and dynamic', () => {
    const manifest = assembleManifest(readings, [], NOW);
    const byName = new Map(manifest.things.map((thing) => [thing.thingName, thing]));
    expect(byName.get('gateway-1')!.groups).toEqual(['firmware-1.0', 'site-berlin']);
    expect(byName.get('sensor-2')!.groups).toEqual(['site-berlin']);
    expect(byName.get('sensor-4')!.groups).toEqual([]);
    const berlin = manifest.thingGroups.find((group) => group.groupName === 'site-berlin')!;
    // A name that is not among the listed things is not referenced.
    expect(berlin.members).toEqual(['gateway-1', 'sensor-2']);
    expect(berlin).toMatchObject({ kind: 'static', parentGroupName: 'all-sites', attributes: { site: 'berlin' } });
    expect(manifest.thingGroups.find((group) => group.groupName === 'firmware-1.0')).toMatchObject({
      kind: 'dynamic',
      queryString: 'attributes.firmwareVersion:1.0.*',
      members: ['gateway-1', 'sensor-3'],
    });
  });

  it('links principals, certificates and policies both ways', () => {
    const manifest = assembleManifest(readings, [], NOW);
    const sensor4 = manifest.things.find((thing) => thing.thingName === 'sensor-4')!;
    const revoked = manifest.certificates.find((certificate) => certificate.status === 'REVOKED')!;
    expect(sensor4.principals).toHaveLength(2);
    expect(sensor4.certificateIds).toEqual([revoked.certificateId]);
    expect(revoked.things).toEqual(['sensor-3', 'sensor-4']);
    expect(revoked.policies).toEqual(['fleet']);
    expect(revoked.issuer).toEqual({ kind: 'registered-ca', caCertificateId: manifest.caCertificates[0]!.certificateId });
    expect(revoked.thumbprints.sha256).toBe(revoked.certificateId.toUpperCase());
    expect(revoked.subjectCommonName).toBe('sensor-3');
    expect(revoked.issuerCommonName).toBe('Fleet Root CA');
    const awsIssued = manifest.certificates.find((certificate) => certificate.status === 'ACTIVE')!;
    expect(awsIssued.issuer).toEqual({ kind: 'aws' });
    expect(manifest.policies[0]!.targets).toEqual([awsIssued.certificateArn, revoked.certificateArn].sort());
  });

  it('falls back to the thing name for the client ID, and sorts shadows classic first', () => {
    const manifest = assembleManifest(readings, [], NOW);
    const gateway = manifest.things.find((thing) => thing.thingName === 'gateway-1')!;
    expect(gateway.clientId).toBe('gw-client-1');
    expect(manifest.things.find((thing) => thing.thingName === 'sensor-2')!.clientId).toBe('sensor-2');
    expect(gateway.shadows.map((shadow) => shadow.name)).toEqual([null, 'config']);
  });

  it('takes the account from the ARNs and keeps the source it was given', () => {
    expect(assembleManifest(readings, [], NOW).source).toEqual({
      accountId: '123456789012',
      region: 'eu-west-1',
      controlEndpoint: null,
      dataEndpoint: 'abc123-ats.iot.eu-west-1.amazonaws.com',
    });
  });
});

describe('certificateIdOfArn', () => {
  it('reads the ID of a certificate principal and nothing else', () => {
    expect(certificateIdOfArn('arn:aws:iot:us-east-1:123456789012:cert/ab12')).toBe('ab12');
    expect(certificateIdOfArn('arn:aws-cn:iot:cn-north-1:123456789012:cert/ff00')).toBe('ff00');
    expect(certificateIdOfArn('arn:aws:cognito-identity:us-east-1:123456789012:identitypool/x')).toBeUndefined();
  });
});
