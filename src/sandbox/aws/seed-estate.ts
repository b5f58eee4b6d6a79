import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { EmitProgress } from '../../progress/events.js';
import { certificateIdOf, issueCertificate, validityOf, type CertificateAuthority } from '../pki.js';
import { pick, seededRandom } from '../seeded-random.js';
import { initialRolloutState } from './jobs/job-engine.js';
import { arn, CLASSIC_SHADOW, emptyEstate, nowEpochSeconds, type AwsEstate, type EstateShadow } from './estate.js';

export const SANDBOX_ACCOUNT_ID = '123456789012';
export const AWS_ISSUED_COMMON_NAME = 'AWS IoT Certificate';

export interface SeedOptions {
  things: number;
  seed: number;
  region: string;
  /** Signs "AWS-issued" device certificates (stands in for Amazon's issuing CA). */
  awsIssuer: CertificateAuthority;
  /** The customer's own CA, registered in the account; signs the second group of devices. */
  registeredCa: CertificateAuthority;
  /** Device certificates and keys go to `<devicesDir>/<thingName>/`. */
  devicesDir: string;
  /**
   * Add the oddities real fleets have (a thing with no certificate, a certificate shared
   * by two things, a revoked certificate) so detect's findings have something to find.
   * Only applied from 10 things up.
   */
  anomalies: boolean;
  onEvent?: EmitProgress;
}

const THING_TYPES = [
  { name: 'thermostat', share: 0.7, searchable: ['site', 'firmwareVersion'] },
  { name: 'air-quality-sensor', share: 0.2, searchable: ['site'] },
  { name: 'gateway', share: 0.1, searchable: ['site', 'uplink'] },
] as const;
const SITES = ['berlin', 'lisbon', 'austin', 'osaka'] as const;
const FIRMWARE_VERSIONS = ['1.0.0', '1.0.3', '1.1.0'] as const;
/** Every fifth device carries a certificate from the customer's registered CA. */
const REGISTERED_CA_EVERY = 5;

export async function seedAwsEstate(options: SeedOptions): Promise<AwsEstate> {
  const random = seededRandom(options.seed);
  const estate = emptyEstate(SANDBOX_ACCOUNT_ID, options.region);
  const now = nowEpochSeconds();

  for (const type of THING_TYPES) {
    estate.thingTypes[type.name] = {
      thingTypeName: type.name,
      thingTypeId: randomUUID(),
      thingTypeArn: arn(estate, `thingtype/${type.name}`),
      description: `${type.name} devices`,
      searchableAttributes: [...type.searchable],
      deprecated: false,
      creationDate: now,
    };
  }

  const addGroup = (groupName: string, extra: Partial<AwsEstate['thingGroups'][string]> = {}) => {
    estate.thingGroups[groupName] = {
      groupName,
      groupId: randomUUID(),
      groupArn: arn(estate, `thinggroup/${groupName}`),
      attributes: {},
      version: 1,
      creationDate: now,
      members: [],
      ...extra,
    };
  };
  addGroup('all-sites', { description: 'Parent of the per-site groups' });
  for (const site of SITES) addGroup(`site-${site}`, { parentGroupName: 'all-sites', attributes: { site } });
  addGroup('firmware-1.0', {
    description: 'Devices still on firmware 1.0.x',
    dynamic: { queryString: 'attributes.firmwareVersion:1.0.*', indexName: 'AWS_Things', queryVersion: '2017-09-30' },
  });

  const caPem = options.registeredCa.certificatePem;
  const caId = certificateIdOf(caPem);
  estate.caCertificates[caId] = {
    certificateId: caId,
    certificateArn: arn(estate, `cacert/${caId}`),
    certificatePem: caPem,
    status: 'ACTIVE',
    autoRegistrationStatus: 'DISABLE',
    ownedBy: SANDBOX_ACCOUNT_ID,
    creationDate: now,
    ...validityOf(caPem),
    certificateMode: 'DEFAULT',
  };

  const fleetPolicy = 'fleet-device-policy';
  estate.policies[fleetPolicy] = {
    policyName: fleetPolicy,
    policyArn: arn(estate, `policy/${fleetPolicy}`),
    policyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 'iot:Connect', Resource: arn(estate, 'client/${iot:Connection.Thing.ThingName}') },
        { Effect: 'Allow', Action: ['iot:Publish', 'iot:Receive'], Resource: arn(estate, 'topic/*') },
        { Effect: 'Allow', Action: 'iot:Subscribe', Resource: arn(estate, 'topicfilter/*') },
      ],
    }),
    defaultVersionId: '1',
    creationDate: now,
    targets: [],
  };

  seedTopicRules(estate, now);
  estate.jobs['firmware-1.0.3-rollout'] = {
    jobId: 'firmware-1.0.3-rollout',
    jobArn: arn(estate, 'job/firmware-1.0.3-rollout'),
    status: 'COMPLETED',
    targetSelection: 'SNAPSHOT',
    targets: [estate.thingGroups['all-sites']!.groupArn],
    description: 'Earlier OTA of firmware 1.0.3',
    document: JSON.stringify({ operation: 'firmware-update', version: '1.0.3' }),
    createdAt: now - 30 * 86400,
    lastUpdatedAt: now - 29 * 86400,
    completedAt: now - 29 * 86400,
    // Its executions were pruned long ago: only the job's record is kept.
    rollout: initialRolloutState(undefined, [], now - 30 * 86400),
    executions: {},
    executionCounts: {},
  };

  await mkdir(options.devicesDir, { recursive: true });
  const width = Math.max(5, String(options.things).length);
  const anomalies = options.anomalies && options.things >= 10;
  let previousCertificateArn: string | undefined;

  for (let index = 1; index <= options.things; index += 1) {
    const type = pickThingType(random);
    const thingName = `${type}-${String(index).padStart(width, '0')}`;
    const site = pick(random, SITES);
    const firmwareVersion = pick(random, FIRMWARE_VERSIONS);
    const attributes: Record<string, string> = {
      serial: `SN${(0x10000000 + Math.floor(random() * 0xefffffff)).toString(16).toUpperCase()}`,
      site,
      firmwareVersion,
      ...(type === 'gateway' ? { uplink: pick(random, ['lte', 'ethernet'] as const) } : {}),
    };
    estate.things[thingName] = {
      thingName,
      thingId: randomUUID(),
      thingArn: arn(estate, `thing/${thingName}`),
      thingTypeName: type,
      attributes,
      version: 1,
      creationDate: now,
    };
    estate.thingGroups[`site-${site}`]!.members.push(thingName);
    estate.shadows[thingName] = seedShadows(random, firmwareVersion, now);

    const position = options.things - index;
    // The last thing was provisioned but never given a certificate; the one before it
    // reuses its neighbour's certificate (a cloned device image); one is revoked.
    if (anomalies && position === 0) continue;
    if (anomalies && position === 1 && previousCertificateArn) {
      estate.thingPrincipals[thingName] = [previousCertificateArn];
      continue;
    }
    const fromRegisteredCa = index % REGISTERED_CA_EVERY === 0;
    const issuer = fromRegisteredCa ? options.registeredCa : options.awsIssuer;
    // AWS's CreateKeysAndCertificate always names its certificates "AWS IoT Certificate";
    // a customer CA usually puts the device ID in the CN. Azure cares about the difference.
    const issued = await issueCertificate(issuer, {
      commonName: fromRegisteredCa ? thingName : AWS_ISSUED_COMMON_NAME,
      usage: 'client',
    });
    const certificateId = certificateIdOf(issued.certificatePem);
    const certificateArn = arn(estate, `cert/${certificateId}`);
    estate.certificates[certificateId] = {
      certificateId,
      certificateArn,
      certificatePem: issued.certificatePem,
      status: anomalies && position === 3 ? 'REVOKED' : 'ACTIVE',
      ...(fromRegisteredCa ? { caCertificateId: caId } : {}),
      ownedBy: SANDBOX_ACCOUNT_ID,
      creationDate: now,
      lastModifiedDate: now,
      ...validityOf(issued.certificatePem),
      certificateMode: 'DEFAULT',
    };
    estate.thingPrincipals[thingName] = [certificateArn];
    estate.policies[fleetPolicy]!.targets.push(certificateArn);
    previousCertificateArn = certificateArn;

    const deviceDir = join(options.devicesDir, thingName);
    await mkdir(deviceDir, { recursive: true });
    await writeFile(join(deviceDir, 'certificate.pem.crt'), issued.certificatePem);
    await writeFile(join(deviceDir, 'private.pem.key'), issued.privateKeyPem, { mode: 0o600 });

    if (index % 100 === 0 || index === options.things) {
      options.onEvent?.({ type: 'progress', stage: 'seed', resource: 'things', done: index, total: options.things });
    }
  }
  return estate;
}

function pickThingType(random: () => number): (typeof THING_TYPES)[number]['name'] {
  let roll = random();
  for (const type of THING_TYPES) {
    if (roll < type.share) return type.name;
    roll -= type.share;
  }
  return THING_TYPES[0].name;
}

function seedShadows(random: () => number, firmwareVersion: string, now: number): Record<string, EstateShadow> {
  const setpoint = 19 + Math.floor(random() * 5);
  const temperature = Math.round((17 + random() * 8) * 10) / 10;
  const timestamps = (object: Record<string, unknown>) =>
    Object.fromEntries(Object.keys(object).map((key) => [key, { timestamp: now }]));
  const classicDesired = { setpoint };
  const classicReported = { setpoint, temperature, firmwareVersion };
  const configDesired = { reportingIntervalSeconds: 60 };
  const configReported = { reportingIntervalSeconds: 60, logLevel: 'info' };
  return {
    [CLASSIC_SHADOW]: {
      state: { desired: classicDesired, reported: classicReported },
      metadata: { desired: timestamps(classicDesired), reported: timestamps(classicReported) },
      version: 1,
      timestamp: now,
    },
    config: {
      state: { desired: configDesired, reported: configReported },
      metadata: { desired: timestamps(configDesired), reported: timestamps(configReported) },
      version: 1,
      timestamp: now,
    },
  };
}

function seedTopicRules(estate: AwsEstate, now: number): void {
  const role = `arn:aws:iam::${estate.accountId}:role/iot-rules`;
  const rules: AwsEstate['topicRules'][string][] = [
    {
      ruleName: 'telemetry_to_kinesis',
      ruleArn: arn(estate, 'rule/telemetry_to_kinesis'),
      sql: "SELECT *, topic(3) AS deviceId FROM 'dt/thermostat/+/telemetry'",
      description: 'All thermostat telemetry to the analytics stream',
      awsIotSqlVersion: '2016-03-23',
      ruleDisabled: false,
      createdAt: now,
      actions: [{ kinesis: { streamName: 'fleet-telemetry', partitionKey: '${topic(3)}', roleArn: role } }],
      errorAction: { sqs: { queueUrl: `https://sqs.${estate.region}.amazonaws.com/${estate.accountId}/rule-errors`, roleArn: role, useBase64: false } },
    },
    {
      ruleName: 'archive_to_s3',
      ruleArn: arn(estate, 'rule/archive_to_s3'),
      sql: "SELECT * FROM 'dt/+/+/telemetry'",
      description: 'Raw archive',
      awsIotSqlVersion: '2016-03-23',
      ruleDisabled: false,
      createdAt: now,
      actions: [{ s3: { bucketName: 'fleet-archive', key: '${topic(2)}/${timestamp()}.json', roleArn: role } }],
    },
    {
      ruleName: 'overheat_alerts',
      ruleArn: arn(estate, 'rule/overheat_alerts'),
      sql: "SELECT temperature, topic(3) AS deviceId FROM 'dt/thermostat/+/telemetry' WHERE temperature > 30",
      description: 'Alert on overheating',
      awsIotSqlVersion: '2016-03-23',
      ruleDisabled: false,
      createdAt: now,
      actions: [
        { sqs: { queueUrl: `https://sqs.${estate.region}.amazonaws.com/${estate.accountId}/overheat`, roleArn: role, useBase64: false } },
        { lambda: { functionArn: `arn:aws:lambda:${estate.region}:${estate.accountId}:function:notify-oncall` } },
      ],
    },
    {
      ruleName: 'mirror_commands',
      ruleArn: arn(estate, 'rule/mirror_commands'),
      sql: "SELECT * FROM 'cmd/+/+/setpoint'",
      description: 'Mirror commands to the audit topic',
      awsIotSqlVersion: '2016-03-23',
      ruleDisabled: true,
      createdAt: now,
      actions: [{ republish: { topic: 'audit/${topic()}', roleArn: role, qos: 1 } }],
    },
  ];
  for (const rule of rules) estate.topicRules[rule.ruleName] = rule;
}
