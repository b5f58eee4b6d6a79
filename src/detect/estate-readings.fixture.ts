import { certificateIdOf, createCertificateAuthority, issueCertificate } from '../sandbox/pki.js';
import type { CertificateReading, EstateReadings, ThingReading } from './estate-readings.js';

/**
 * A small estate as the readers would return it, for the unit tests of the pure steps
 * (assembly, findings, summary): four things, one without a certificate, one sharing a
 * REVOKED certificate from the registered CA, a dynamic group, a disabled rule.
 */
const ACCOUNT = '123456789012';
const arnOf = (resource: string) => `arn:aws:iot:eu-west-1:${ACCOUNT}:${resource}`;

export async function sampleReadings(): Promise<EstateReadings> {
  const awsIssuer = await createCertificateAuthority('Amazon RSA 2048 M01');
  const customerCa = await createCertificateAuthority('Fleet Root CA');
  const caId = certificateIdOf(customerCa.certificatePem);

  const certificate = async (commonName: string, fromCustomerCa: boolean, status: CertificateReading['status']) => {
    const { certificatePem } = await issueCertificate(fromCustomerCa ? customerCa : awsIssuer, { commonName, usage: 'client' });
    const certificateId = certificateIdOf(certificatePem);
    return {
      certificateId,
      certificateArn: arnOf(`cert/${certificateId}`),
      status,
      certificatePem,
      caCertificateId: fromCustomerCa ? caId : null,
      notBefore: '2026-01-01T00:00:00.000Z',
      notAfter: '2031-01-01T00:00:00.000Z',
      certificateMode: 'DEFAULT',
    } satisfies CertificateReading;
  };
  const awsIssued = await certificate('AWS IoT Certificate', false, 'ACTIVE');
  const revoked = await certificate('sensor-3', true, 'REVOKED');

  const thing = (thingName: string, thingTypeName: string | null, attributes: Record<string, string>): ThingReading => ({
    thingName,
    thingArn: arnOf(`thing/${thingName}`),
    thingId: `id-${thingName}`,
    thingTypeName,
    attributes,
    version: 1,
    billingGroupName: null,
    defaultClientId: thingName === 'gateway-1' ? 'gw-client-1' : null,
  });

  return {
    source: { region: 'eu-west-1', controlEndpoint: null, dataEndpoint: 'abc123-ats.iot.eu-west-1.amazonaws.com' },
    // Deliberately out of order: assembly sorts.
    things: [
      thing('sensor-4', 'sensor', { firmwareVersion: '1.1.0' }),
      thing('gateway-1', 'gateway', { firmwareVersion: '1.0.3', site: 'berlin' }),
      thing('sensor-3', 'sensor', { firmwareVersion: '1.0.0' }),
      thing('sensor-2', null, {}),
    ],
    thingPrincipals: new Map([
      ['gateway-1', [awsIssued.certificateArn]],
      ['sensor-3', [revoked.certificateArn]],
      ['sensor-4', [revoked.certificateArn, 'arn:aws:cognito-identity:eu-west-1:123456789012:identitypool/x']],
      ['sensor-2', []],
    ]),
    shadows: new Map([
      [
        'gateway-1',
        [
          { name: 'config', desired: { interval: 60 }, reported: { interval: 60 }, version: 2 },
          { name: null, desired: null, reported: { temperature: 21.5 }, version: 7 },
        ],
      ],
    ]),
    thingTypes: [
      { thingTypeName: 'sensor', thingTypeArn: arnOf('thingtype/sensor'), description: null, searchableAttributes: [], deprecated: true },
      { thingTypeName: 'gateway', thingTypeArn: arnOf('thingtype/gateway'), description: 'Gateways', searchableAttributes: ['site'], deprecated: false },
    ],
    thingGroups: [
      {
        groupName: 'firmware-1.0',
        groupArn: arnOf('thinggroup/firmware-1.0'),
        parentGroupName: null,
        description: null,
        attributes: {},
        dynamic: { queryString: 'attributes.firmwareVersion:1.0.*', indexName: 'AWS_Things', queryVersion: '2017-09-30', status: 'ACTIVE' },
      },
      { groupName: 'site-berlin', groupArn: arnOf('thinggroup/site-berlin'), parentGroupName: 'all-sites', description: null, attributes: { site: 'berlin' }, dynamic: null },
      { groupName: 'all-sites', groupArn: arnOf('thinggroup/all-sites'), parentGroupName: null, description: 'All', attributes: {}, dynamic: null },
    ],
    groupMembers: new Map([
      ['firmware-1.0', ['sensor-3', 'gateway-1']],
      // A thing created after ListThings shows up in a membership list: not in the manifest.
      ['site-berlin', ['gateway-1', 'sensor-2', 'created-meanwhile']],
      ['all-sites', []],
    ]),
    certificates: [revoked, awsIssued],
    caCertificates: [
      {
        certificateId: caId,
        certificateArn: arnOf(`cacert/${caId}`),
        status: 'ACTIVE',
        certificatePem: customerCa.certificatePem,
        autoRegistrationStatus: 'DISABLE',
      },
    ],
    policies: [{ policyName: 'fleet', policyArn: arnOf('policy/fleet'), defaultVersionId: '1', document: { Version: '2012-10-17', Statement: [] } }],
    policyTargets: new Map([['fleet', [revoked.certificateArn, awsIssued.certificateArn]]]),
    topicRules: [
      {
        ruleName: 'to_kinesis',
        ruleArn: arnOf('rule/to_kinesis'),
        sql: "SELECT * FROM 'dt/#'",
        awsIotSqlVersion: '2016-03-23',
        description: null,
        enabled: true,
        actions: [{ type: 'kinesis', config: { streamName: 's' } }],
        errorAction: null,
      },
      {
        ruleName: 'audit',
        ruleArn: arnOf('rule/audit'),
        sql: "SELECT * FROM 'cmd/#'",
        awsIotSqlVersion: '2016-03-23',
        description: 'audit',
        enabled: false,
        actions: [{ type: 'republish', config: { topic: 'audit' } }],
        errorAction: null,
      },
    ],
    jobs: [
      { jobId: 'ota-2', jobArn: arnOf('job/ota-2'), status: 'IN_PROGRESS', targetSelection: 'SNAPSHOT', thingGroupId: null, createdAt: '2026-11-01T00:00:00.000Z', completedAt: null },
      { jobId: 'ota-1', jobArn: arnOf('job/ota-1'), status: 'COMPLETED', targetSelection: 'SNAPSHOT', thingGroupId: null, createdAt: '2026-10-01T00:00:00.000Z', completedAt: '2026-10-02T00:00:00.000Z' },
    ],
    vanished: [{ kind: 'thing', name: 'sensor-9' }],
  };
}
