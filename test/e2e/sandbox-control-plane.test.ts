import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AddThingToThingGroupCommand,
  AttachThingPrincipalCommand,
  CreateDynamicThingGroupCommand,
  CreateThingCommand,
  CreateThingGroupCommand,
  DescribeCACertificateCommand,
  DescribeCertificateCommand,
  DescribeEndpointCommand,
  DescribeThingCommand,
  DescribeThingGroupCommand,
  DescribeThingTypeCommand,
  GetPolicyCommand,
  GetTopicRuleCommand,
  IoTClient,
  ListAttachedPoliciesCommand,
  ListCACertificatesCommand,
  ListJobsCommand,
  ListPoliciesCommand,
  ListThingGroupsCommand,
  ListThingGroupsForThingCommand,
  ListThingPrincipalsCommand,
  ListThingPrincipalsV2Command,
  ListThingsCommand,
  type ListThingsCommandInput,
  ListThingsInThingGroupCommand,
  ListThingTypesCommand,
  ListTopicRulesCommand,
  paginateListCertificates,
  paginateListThings,
  paginateListThingsInThingGroup,
  paginateListTargetsForPolicy,
} from '@aws-sdk/client-iot';
import {
  DeleteThingShadowCommand,
  GetThingShadowCommand,
  IoTDataPlaneClient,
  ListNamedShadowsForThingCommand,
  UpdateThingShadowCommand,
} from '@aws-sdk/client-iot-data-plane';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane, type ControlPlane } from '../../src/sandbox/aws/control-plane/start-control-plane.js';
import type { AwsEstate } from '../../src/sandbox/aws/estate.js';
import { EstateStore } from '../../src/sandbox/aws/estate-store.js';
import { seedAwsEstate } from '../../src/sandbox/aws/seed-estate.js';
import { createCertificateAuthority } from '../../src/sandbox/pki.js';
import { uniqueLoopbackHost } from '../support/loopback.js';

/**
 * The sandbox's AWS IoT REST APIs driven by the real `@aws-sdk/client-iot` and
 * `@aws-sdk/client-iot-data-plane`, against a seeded 600-thing estate. Read-only checks
 * come first; the ones that create resources run last and compute what they expect
 * from the estate at that point.
 */
const THINGS = 600;
const credentials = { accessKeyId: 'x', secretAccessKey: 'y' };

let work: string;
let store: EstateStore;
let estate: AwsEstate;
let host: string;
let controlPlane: ControlPlane;
let iot: IoTClient;
let data: IoTDataPlaneClient;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'iotmigrate-control-plane-'));
  const [awsIssuer, registeredCa] = await Promise.all([
    createCertificateAuthority('test AWS issuing CA'),
    createCertificateAuthority('test device CA'),
  ]);
  estate = await seedAwsEstate({
    things: THINGS,
    seed: 7,
    region: 'us-east-1',
    awsIssuer,
    registeredCa,
    devicesDir: join(work, 'devices'),
    anomalies: true,
  });
  store = EstateStore.inMemory(estate);
  host = uniqueLoopbackHost();
  controlPlane = await startControlPlane({ store, host, port: 0, dataEndpointHost: host });
  iot = new IoTClient({ region: 'us-east-1', endpoint: controlPlane.url, credentials });
  data = new IoTDataPlaneClient({ region: 'us-east-1', endpoint: controlPlane.url, credentials });
}, 120_000);

afterAll(async () => {
  iot?.destroy();
  data?.destroy();
  await controlPlane?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

/** The error a call rejects with, so its name, status and message can be checked together. */
async function failureOf(call: Promise<unknown>): Promise<Error & { $metadata: { httpStatusCode?: number } } & Record<string, unknown>> {
  const outcome = await call.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(outcome instanceof Error)) throw new Error('expected the call to fail');
  return outcome as Error & { $metadata: { httpStatusCode?: number } } & Record<string, unknown>;
}

const decode = (payload: Uint8Array | undefined) => JSON.parse(new TextDecoder().decode(payload)) as Record<string, any>;
const thingNames = () => Object.keys(estate.things).sort();
const thingsWhere = (keep: (thing: AwsEstate['things'][string]) => boolean) =>
  Object.values(estate.things)
    .filter(keep)
    .map((thing) => thing.thingName)
    .sort();

describe('things', () => {
  it('paginateListThings with pages of 250 returns every one of the 600 things once, in name order', async () => {
    const names: string[] = [];
    let pages = 0;
    for await (const page of paginateListThings({ client: iot, pageSize: 250 }, {})) {
      pages += 1;
      names.push(...(page.things ?? []).map((thing) => thing.thingName!));
    }
    expect(pages).toBe(3);
    expect(names).toHaveLength(THINGS);
    expect(new Set(names).size).toBe(THINGS);
    expect(names).toEqual(thingNames());
  });

  it('lists things with their type, ARN, attributes and version', async () => {
    const first = thingNames()[0]!;
    const { things } = await iot.send(new ListThingsCommand({ maxResults: 1 }));
    const expected = estate.things[first]!;
    expect(things).toEqual([
      { thingName: first, thingTypeName: expected.thingTypeName, thingArn: expected.thingArn, attributes: expected.attributes, version: 1 },
    ]);
  });

  it('filters by thing type, by attribute value and by attribute prefix', async () => {
    const listAll = async (input: ListThingsCommandInput) => {
      const names: string[] = [];
      for await (const page of paginateListThings({ client: iot, pageSize: 100 }, input)) {
        names.push(...(page.things ?? []).map((thing) => thing.thingName!));
      }
      return names;
    };
    const gateways = await listAll({ thingTypeName: 'gateway' });
    expect(gateways.length).toBeGreaterThan(0);
    expect(gateways).toEqual(thingsWhere((thing) => thing.thingTypeName === 'gateway'));

    const berlin = await listAll({ attributeName: 'site', attributeValue: 'berlin' });
    expect(berlin.length).toBeGreaterThan(0);
    expect(berlin).toEqual(thingsWhere((thing) => thing.attributes.site === 'berlin'));

    const firmware10 = await listAll({ attributeName: 'firmwareVersion', attributeValue: '1.0', usePrefixAttributeValue: true });
    expect(firmware10).toEqual(thingsWhere((thing) => thing.attributes.firmwareVersion!.startsWith('1.0')));
    expect(await listAll({ attributeName: 'firmwareVersion', attributeValue: '1.0' })).toEqual([]);

    const lisbonThermostats = await listAll({ thingTypeName: 'thermostat', attributeName: 'site', attributeValue: 'lisbon' });
    expect(lisbonThermostats).toEqual(thingsWhere((thing) => thing.thingTypeName === 'thermostat' && thing.attributes.site === 'lisbon'));
  });

  it('refuses maxResults above 250, a made-up nextToken and a half-given attribute filter with InvalidRequestException', async () => {
    const tooMany = await failureOf(iot.send(new ListThingsCommand({ maxResults: 251 })));
    expect(tooMany.name).toBe('InvalidRequestException');
    expect(tooMany.$metadata.httpStatusCode).toBe(400);
    expect(tooMany.message).toContain('less than or equal to 250');

    const badToken = await failureOf(iot.send(new ListThingsCommand({ nextToken: 'bm90LWEtdG9rZW4' })));
    expect(badToken.name).toBe('InvalidRequestException');

    const halfFilter = await failureOf(iot.send(new ListThingsCommand({ attributeName: 'site' })));
    expect(halfFilter.name).toBe('InvalidRequestException');
  });

  it('describes a thing, with its name as the default client ID', async () => {
    const thing = estate.things[thingNames()[42]!]!;
    const described = await iot.send(new DescribeThingCommand({ thingName: thing.thingName }));
    expect(described).toMatchObject({
      defaultClientId: thing.thingName,
      thingName: thing.thingName,
      thingId: thing.thingId,
      thingArn: thing.thingArn,
      thingTypeName: thing.thingTypeName,
      attributes: thing.attributes,
      version: 1,
    });
  });

  it('answers an unknown thing with ResourceNotFoundException 404', async () => {
    const error = await failureOf(iot.send(new DescribeThingCommand({ thingName: 'no-such-thing' })));
    expect(error.name).toBe('ResourceNotFoundException');
    expect(error.$metadata.httpStatusCode).toBe(404);
    expect(error.message).toContain('no-such-thing');
  });

  it("lists a thing's certificate as its principal, through both the V1 and V2 routes", async () => {
    const thingName = thingNames()[0]!;
    const [certificateArn] = estate.thingPrincipals[thingName]!;
    expect((await iot.send(new ListThingPrincipalsCommand({ thingName }))).principals).toEqual([certificateArn]);
    const v2 = await iot.send(new ListThingPrincipalsV2Command({ thingName }));
    expect(v2.thingPrincipalObjects).toEqual([{ principal: certificateArn, thingPrincipalType: 'NON_EXCLUSIVE_THING' }]);
  });

  it('lists the thing types, filters them by name and describes one', async () => {
    const { thingTypes } = await iot.send(new ListThingTypesCommand({}));
    expect(thingTypes?.map((type) => type.thingTypeName)).toEqual(['air-quality-sensor', 'gateway', 'thermostat']);
    const filtered = await iot.send(new ListThingTypesCommand({ thingTypeName: 'gateway' }));
    expect(filtered.thingTypes).toHaveLength(1);
    expect(filtered.thingTypes![0]!.thingTypeProperties?.searchableAttributes).toEqual(['site', 'uplink']);

    const described = await iot.send(new DescribeThingTypeCommand({ thingTypeName: 'thermostat' }));
    expect(described).toMatchObject({
      thingTypeName: 'thermostat',
      thingTypeId: estate.thingTypes.thermostat!.thingTypeId,
      thingTypeArn: estate.thingTypes.thermostat!.thingTypeArn,
      thingTypeProperties: { thingTypeDescription: 'thermostat devices', searchableAttributes: ['site', 'firmwareVersion'] },
      thingTypeMetadata: { deprecated: false },
    });
    expect(described.thingTypeMetadata?.creationDate).toEqual(new Date(estate.thingTypes.thermostat!.creationDate * 1000));
  });
});

describe('thing groups', () => {
  it('lists all groups, the children of a parent and groups by name prefix', async () => {
    const all = await iot.send(new ListThingGroupsCommand({}));
    expect(all.thingGroups?.map((group) => group.groupName)).toEqual(Object.keys(estate.thingGroups).sort());
    expect(all.thingGroups![0]).toEqual({ groupName: 'all-sites', groupArn: estate.thingGroups['all-sites']!.groupArn });

    const children = await iot.send(new ListThingGroupsCommand({ parentGroup: 'all-sites' }));
    expect(children.thingGroups?.map((group) => group.groupName)).toEqual(['site-austin', 'site-berlin', 'site-lisbon', 'site-osaka']);

    const prefixed = await iot.send(new ListThingGroupsCommand({ namePrefixFilter: 'firm' }));
    expect(prefixed.thingGroups?.map((group) => group.groupName)).toEqual(['firmware-1.0']);
  });

  it('describes a static child group with its place in the hierarchy', async () => {
    const group = estate.thingGroups['site-berlin']!;
    const described = await iot.send(new DescribeThingGroupCommand({ thingGroupName: 'site-berlin' }));
    expect(described).toMatchObject({
      thingGroupName: 'site-berlin',
      thingGroupId: group.groupId,
      thingGroupArn: group.groupArn,
      version: 1,
      thingGroupProperties: { attributePayload: { attributes: { site: 'berlin' } } },
      thingGroupMetadata: {
        parentGroupName: 'all-sites',
        rootToParentThingGroups: [{ groupName: 'all-sites', groupArn: estate.thingGroups['all-sites']!.groupArn }],
        creationDate: new Date(group.creationDate * 1000),
      },
    });
    expect(described.queryString).toBeUndefined();
    expect(described.status).toBeUndefined();
  });

  it('describes a dynamic group with its query', async () => {
    const described = await iot.send(new DescribeThingGroupCommand({ thingGroupName: 'firmware-1.0' }));
    expect(described).toMatchObject({
      thingGroupName: 'firmware-1.0',
      queryString: 'attributes.firmwareVersion:1.0.*',
      indexName: 'AWS_Things',
      queryVersion: '2017-09-30',
      status: 'ACTIVE',
      thingGroupProperties: { thingGroupDescription: 'Devices still on firmware 1.0.x' },
    });
  });

  it('lists the things in a static group, in a parent only when recursive, and in a dynamic group by its query', async () => {
    const listAll = async (thingGroupName: string, recursive: boolean) => {
      const names: string[] = [];
      for await (const page of paginateListThingsInThingGroup({ client: iot, pageSize: 250 }, { thingGroupName, recursive })) {
        names.push(...(page.things ?? []));
      }
      return names;
    };
    expect(await listAll('site-berlin', false)).toEqual(thingsWhere((thing) => thing.attributes.site === 'berlin'));
    expect(await listAll('all-sites', false)).toEqual([]);
    expect(await listAll('all-sites', true)).toEqual(thingNames());
    const onFirmware10 = await listAll('firmware-1.0', false);
    expect(onFirmware10.length).toBeGreaterThan(0);
    expect(onFirmware10).toEqual(thingsWhere((thing) => thing.attributes.firmwareVersion!.startsWith('1.0.')));
  });

  it('lists the groups a thing belongs to, dynamic ones included', async () => {
    const thing = Object.values(estate.things).find((candidate) => candidate.attributes.firmwareVersion === '1.0.3')!;
    const { thingGroups } = await iot.send(new ListThingGroupsForThingCommand({ thingName: thing.thingName }));
    expect(thingGroups?.map((group) => group.groupName)).toEqual(['firmware-1.0', `site-${thing.attributes.site}`]);
    const onNewFirmware = Object.values(estate.things).find((candidate) => candidate.attributes.firmwareVersion === '1.1.0')!;
    const other = await iot.send(new ListThingGroupsForThingCommand({ thingName: onNewFirmware.thingName }));
    expect(other.thingGroups).toEqual([{ groupName: `site-${onNewFirmware.attributes.site}`, groupArn: estate.thingGroups[`site-${onNewFirmware.attributes.site}`]!.groupArn }]);
  });

  it('answers an unknown group with ResourceNotFoundException', async () => {
    const error = await failureOf(iot.send(new DescribeThingGroupCommand({ thingGroupName: 'no-such-group' })));
    expect(error.name).toBe('ResourceNotFoundException');
    expect(error.$metadata.httpStatusCode).toBe(404);
  });
});

describe('certificates and policies', () => {
  it('pages through every certificate with ListCertificates, newest first unless ascending is asked for', async () => {
    const listAll = async (ascendingOrder: boolean | undefined) => {
      const listed: { certificateId: string; status: string }[] = [];
      for await (const page of paginateListCertificates({ client: iot, pageSize: 100 }, { ascendingOrder })) {
        listed.push(...(page.certificates ?? []).map((certificate) => ({ certificateId: certificate.certificateId!, status: certificate.status! })));
      }
      return listed;
    };
    const newestFirst = await listAll(undefined);
    expect(newestFirst).toHaveLength(Object.keys(estate.certificates).length);
    expect(new Set(newestFirst.map((listed) => listed.certificateId))).toEqual(new Set(Object.keys(estate.certificates)));
    expect(newestFirst.map((listed) => listed.status)).toContain('REVOKED');
    expect(await listAll(true)).toEqual([...newestFirst].reverse());
  });

  it('describes a certificate issued by the registered CA, with its PEM and validity', async () => {
    const certificate = Object.values(estate.certificates).find((candidate) => candidate.caCertificateId !== undefined)!;
    const { certificateDescription } = await iot.send(new DescribeCertificateCommand({ certificateId: certificate.certificateId }));
    expect(certificateDescription).toMatchObject({
      certificateArn: certificate.certificateArn,
      certificateId: certificate.certificateId,
      caCertificateId: certificate.caCertificateId,
      status: 'ACTIVE',
      certificatePem: certificate.certificatePem,
      certificateMode: 'DEFAULT',
      validity: { notBefore: new Date(certificate.notBefore * 1000), notAfter: new Date(certificate.notAfter * 1000) },
    });
    const missing = await failureOf(iot.send(new DescribeCertificateCommand({ certificateId: 'f'.repeat(64) })));
    expect(missing.name).toBe('ResourceNotFoundException');
  });

  it('lists and describes the registered CA certificate', async () => {
    const [ca] = Object.values(estate.caCertificates);
    const { certificates } = await iot.send(new ListCACertificatesCommand({}));
    expect(certificates).toEqual([{ certificateArn: ca!.certificateArn, certificateId: ca!.certificateId, status: 'ACTIVE', creationDate: new Date(ca!.creationDate * 1000) }]);
    const { certificateDescription } = await iot.send(new DescribeCACertificateCommand({ certificateId: ca!.certificateId }));
    expect(certificateDescription).toMatchObject({ certificatePem: ca!.certificatePem, autoRegistrationStatus: 'DISABLE', status: 'ACTIVE' });
  });

  it('lists policies, returns a policy document as a JSON string and finds what a certificate has attached', async () => {
    const { policies } = await iot.send(new ListPoliciesCommand({}));
    expect(policies).toEqual([{ policyName: 'fleet-device-policy', policyArn: estate.policies['fleet-device-policy']!.policyArn }]);

    const policy = await iot.send(new GetPolicyCommand({ policyName: 'fleet-device-policy' }));
    expect(policy.defaultVersionId).toBe('1');
    expect(JSON.parse(policy.policyDocument!).Statement[0].Action).toBe('iot:Connect');

    const [certificateArn] = estate.thingPrincipals[thingNames()[0]!]!;
    const attached = await iot.send(new ListAttachedPoliciesCommand({ target: certificateArn, recursive: true }));
    expect(attached.policies?.map((attachment) => attachment.policyName)).toEqual(['fleet-device-policy']);
    expect(attached.nextMarker).toBeUndefined();
  });

  it('pages through the targets of a policy', async () => {
    const targets: string[] = [];
    for await (const page of paginateListTargetsForPolicy({ client: iot, pageSize: 250 }, { policyName: 'fleet-device-policy' })) {
      targets.push(...(page.targets ?? []));
    }
    expect(targets).toEqual([...estate.policies['fleet-device-policy']!.targets].sort());
  });
});

describe('rules, jobs and the data endpoint', () => {
  it('lists topic rules with their topic patterns, filters them and gets one with its actions', async () => {
    const { rules } = await iot.send(new ListTopicRulesCommand({}));
    expect(rules?.map((rule) => rule.ruleName)).toEqual(['archive_to_s3', 'mirror_commands', 'overheat_alerts', 'telemetry_to_kinesis']);
    expect(rules?.find((rule) => rule.ruleName === 'archive_to_s3')?.topicPattern).toBe('dt/+/+/telemetry');

    const disabled = await iot.send(new ListTopicRulesCommand({ ruleDisabled: true }));
    expect(disabled.rules?.map((rule) => rule.ruleName)).toEqual(['mirror_commands']);
    const byTopic = await iot.send(new ListTopicRulesCommand({ topic: 'dt/thermostat/+/telemetry' }));
    expect(byTopic.rules?.map((rule) => rule.ruleName)).toEqual(['overheat_alerts', 'telemetry_to_kinesis']);

    const { rule, ruleArn } = await iot.send(new GetTopicRuleCommand({ ruleName: 'telemetry_to_kinesis' }));
    expect(ruleArn).toBe(estate.topicRules.telemetry_to_kinesis!.ruleArn);
    expect(rule?.actions?.[0]?.kinesis?.streamName).toBe('fleet-telemetry');
    expect(rule?.errorAction?.sqs?.queueUrl).toContain('rule-errors');
    expect(rule?.awsIotSqlVersion).toBe('2016-03-23');

    const missing = await failureOf(iot.send(new GetTopicRuleCommand({ ruleName: 'no_such_rule' })));
    expect(missing.name).toBe('UnauthorizedException');
  });

  it('lists jobs, with the thing group they target, and filters them by status', async () => {
    const { jobs } = await iot.send(new ListJobsCommand({}));
    const job = estate.jobs['firmware-1.0.3-rollout']!;
    expect(jobs).toEqual([
      {
        jobArn: job.jobArn,
        jobId: job.jobId,
        thingGroupId: estate.thingGroups['all-sites']!.groupId,
        targetSelection: 'SNAPSHOT',
        status: 'COMPLETED',
        createdAt: new Date(job.createdAt * 1000),
        lastUpdatedAt: new Date(job.lastUpdatedAt * 1000),
        completedAt: new Date(job.completedAt! * 1000),
        isConcurrent: false,
      },
    ]);
    expect((await iot.send(new ListJobsCommand({ status: 'IN_PROGRESS' }))).jobs).toEqual([]);
    expect((await iot.send(new ListJobsCommand({ thingGroupName: 'all-sites' }))).jobs).toHaveLength(1);
  });

  it('describes the ATS data endpoint as the sandbox host', async () => {
    const { endpointAddress } = await iot.send(new DescribeEndpointCommand({ endpointType: 'iot:Data-ATS' }));
    expect(endpointAddress).toBe(host);
  });
});

describe('device shadows through the data plane', () => {
  it('gets the classic and a named shadow as JSON payloads', async () => {
    const thingName = thingNames()[3]!;
    const classic = decode((await data.send(new GetThingShadowCommand({ thingName }))).payload);
    const seeded = estate.shadows[thingName]!['']!;
    expect(classic.state.reported).toEqual(seeded.state.reported);
    expect(classic.state.desired).toEqual(seeded.state.desired);
    expect(classic.version).toBe(1);
    expect(typeof classic.timestamp).toBe('number');

    const named = decode((await data.send(new GetThingShadowCommand({ thingName, shadowName: 'config' }))).payload);
    expect(named.state.reported).toEqual({ reportingIntervalSeconds: 60, logLevel: 'info' });
  });

  it('lists the named shadows of a thing', async () => {
    const { results, nextToken, timestamp } = await data.send(new ListNamedShadowsForThingCommand({ thingName: thingNames()[3]! }));
    expect(results).toEqual(['config']);
    expect(nextToken).toBeUndefined();
    expect(timestamp).toBeGreaterThan(1_700_000_000);
  });

  it('updates a shadow, then serves the new state with its delta and version', async () => {
    const thingName = thingNames()[4]!;
    const update = await data.send(
      new UpdateThingShadowCommand({
        thingName,
        payload: new TextEncoder().encode(JSON.stringify({ state: { desired: { setpoint: 30 } }, clientToken: 'token-1' })),
      }),
    );
    expect(decode(update.payload)).toMatchObject({ state: { desired: { setpoint: 30 } }, version: 2, clientToken: 'token-1' });

    const shadow = decode((await data.send(new GetThingShadowCommand({ thingName }))).payload);
    expect(shadow.version).toBe(2);
    expect(shadow.state.desired.setpoint).toBe(30);
    expect(shadow.state.delta).toEqual({ setpoint: 30 });
    expect(store.estate.shadows[thingName]!['']!.state.desired).toEqual({ setpoint: 30 });

    const conflict = await failureOf(
      data.send(new UpdateThingShadowCommand({ thingName, payload: new TextEncoder().encode(JSON.stringify({ state: { reported: {} }, version: 1 })) })),
    );
    expect(conflict.name).toBe('ConflictException');
    expect(conflict.$metadata.httpStatusCode).toBe(409);
  });

  it('creates a named shadow on update, deletes it, and then answers ResourceNotFoundException', async () => {
    const thingName = thingNames()[5]!;
    await data.send(
      new UpdateThingShadowCommand({ thingName, shadowName: 'ota', payload: new TextEncoder().encode(JSON.stringify({ state: { reported: { stage: 'idle' } } })) }),
    );
    expect((await data.send(new ListNamedShadowsForThingCommand({ thingName }))).results).toEqual(['config', 'ota']);
    const deleted = decode((await data.send(new DeleteThingShadowCommand({ thingName, shadowName: 'ota' }))).payload);
    expect(deleted.version).toBe(1);

    const error = await failureOf(data.send(new GetThingShadowCommand({ thingName, shadowName: 'ota' })));
    expect(error.name).toBe('ResourceNotFoundException');
    expect(error.$metadata.httpStatusCode).toBe(404);
    expect(error.message).toBe("No shadow exists with name: 'ota'");
  });
});

describe('wire-level errors', () => {
  it('refuses a request without a SigV4 authorization header with UnauthorizedException 401', async () => {
    const response = await fetch(`${controlPlane.url}/things`);
    expect(response.status).toBe(401);
    expect(response.headers.get('x-amzn-errortype')).toBe('UnauthorizedException');
    expect((await response.json()) as unknown).toMatchObject({ message: expect.stringContaining('Authentication') });
  });

  it('answers a route the sandbox does not emulate with a 404 that says so', async () => {
    const response = await fetch(`${controlPlane.url}/billing-groups`, { headers: { authorization: 'AWS4-HMAC-SHA256 test' } });
    expect(response.status).toBe(404);
    const body = (await response.json()) as { message: string };
    expect(body.message).toContain('GET /billing-groups');
  });

  it('throttles beyond apiRate with ThrottlingException 429', async () => {
    const limited = await startControlPlane({ store, host, port: 0, apiRate: 2, dataEndpointHost: host });
    const client = new IoTClient({ region: 'us-east-1', endpoint: limited.url, credentials, maxAttempts: 1 });
    try {
      const outcomes = await Promise.all(
        Array.from({ length: 5 }, () => client.send(new DescribeEndpointCommand({ endpointType: 'iot:Data-ATS' })).then(() => undefined, (error: Error) => error)),
      );
      const failures = outcomes.filter((outcome): outcome is Error & { $metadata: { httpStatusCode?: number } } => outcome !== undefined);
      expect(failures.length).toBeGreaterThanOrEqual(3);
      expect(failures[0]!.name).toBe('ThrottlingException');
      expect(failures[0]!.message).toBe('Rate exceeded');
      expect(failures[0]!.$metadata.httpStatusCode).toBe(429);
      // Quotas are per API, as in AWS: DescribeEndpoint's exhausted bucket leaves ListThings alone.
      await expect(client.send(new ListThingsCommand({ maxResults: 1 }))).resolves.toMatchObject({ things: [expect.anything()] });
    } finally {
      client.destroy();
      await limited.close();
    }
  });
});

describe('creating resources', () => {
  it('keeps paging stable when a thing that sorts earlier is created between pages', async () => {
    const first = await iot.send(new ListThingsCommand({ maxResults: 250 }));
    await iot.send(new CreateThingCommand({ thingName: 'aaa-created-mid-listing' }));
    const second = await iot.send(new ListThingsCommand({ maxResults: 250, nextToken: first.nextToken }));
    const firstNames = first.things!.map((thing) => thing.thingName);
    expect(second.things![0]!.thingName! > firstNames.at(-1)!).toBe(true);
    expect(second.things!.some((thing) => firstNames.includes(thing.thingName))).toBe(false);
  });

  it('creates a thing idempotently and refuses a different definition with ResourceAlreadyExistsException', async () => {
    const input = { thingName: 'created-thermostat', thingTypeName: 'thermostat', attributePayload: { attributes: { site: 'berlin', firmwareVersion: '1.0.0' } } };
    const created = await iot.send(new CreateThingCommand(input));
    expect(created.thingArn).toBe(`arn:aws:iot:us-east-1:${estate.accountId}:thing/created-thermostat`);
    expect((await iot.send(new CreateThingCommand(input))).thingId).toBe(created.thingId);

    const described = await iot.send(new DescribeThingCommand({ thingName: 'created-thermostat' }));
    expect(described).toMatchObject({ thingTypeName: 'thermostat', attributes: input.attributePayload.attributes, version: 1 });

    const conflict = await failureOf(iot.send(new CreateThingCommand({ ...input, attributePayload: { attributes: { site: 'osaka' } } })));
    expect(conflict.name).toBe('ResourceAlreadyExistsException');
    expect(conflict.$metadata.httpStatusCode).toBe(409);
    expect(conflict.resourceId).toBe(created.thingId);
    expect(conflict.resourceArn).toBe(created.thingArn);

    const unknownType = await failureOf(iot.send(new CreateThingCommand({ thingName: 'typed-wrong', thingTypeName: 'toaster' })));
    expect(unknownType.name).toBe('ResourceNotFoundException');
  });

  it('creates a nested static group, adds a thing, and lists it recursively from the root', async () => {
    await iot.send(new CreateThingGroupCommand({ thingGroupName: 'berlin-floor-2', parentGroupName: 'site-berlin', thingGroupProperties: { thingGroupDescription: 'Second floor' } }));
    const described = await iot.send(new DescribeThingGroupCommand({ thingGroupName: 'berlin-floor-2' }));
    expect(described.thingGroupMetadata?.rootToParentThingGroups?.map((group) => group.groupName)).toEqual(['all-sites', 'site-berlin']);

    const recursive = await iot.send(new ListThingGroupsCommand({ parentGroup: 'all-sites', recursive: true }));
    expect(recursive.thingGroups?.map((group) => group.groupName)).toContain('berlin-floor-2');
    const direct = await iot.send(new ListThingGroupsCommand({ parentGroup: 'all-sites' }));
    expect(direct.thingGroups?.map((group) => group.groupName)).not.toContain('berlin-floor-2');

    await iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'berlin-floor-2', thingName: 'created-thermostat' }));
    await iot.send(new AddThingToThingGroupCommand({ thingGroupArn: described.thingGroupArn, thingArn: `arn:aws:iot:us-east-1:${estate.accountId}:thing/created-thermostat` }));
    expect((await iot.send(new ListThingsInThingGroupCommand({ thingGroupName: 'berlin-floor-2' }))).things).toEqual(['created-thermostat']);
    const underSiteBerlin = await iot.send(new ListThingsInThingGroupCommand({ thingGroupName: 'site-berlin', recursive: true, maxResults: 250 }));
    expect(underSiteBerlin.things).toContain('created-thermostat');
    const groups = await iot.send(new ListThingGroupsForThingCommand({ thingName: 'created-thermostat' }));
    expect(groups.thingGroups?.map((group) => group.groupName)).toEqual(['berlin-floor-2', 'firmware-1.0']);
  });

  it('creates a dynamic group whose members follow its query, and refuses a bad query or a manual member', async () => {
    const created = await iot.send(new CreateDynamicThingGroupCommand({ thingGroupName: 'osaka-gateways', queryString: 'thingTypeName:gateway AND attributes.site:osaka' }));
    expect(created).toMatchObject({ thingGroupName: 'osaka-gateways', indexName: 'AWS_Things', queryVersion: '2017-09-30' });
    const { things } = await iot.send(new ListThingsInThingGroupCommand({ thingGroupName: 'osaka-gateways', maxResults: 250 }));
    expect(things).toEqual(thingsWhere((thing) => thing.thingTypeName === 'gateway' && thing.attributes.site === 'osaka'));

    const badQuery = await failureOf(iot.send(new CreateDynamicThingGroupCommand({ thingGroupName: 'broken', queryString: 'attributes.site:(' })));
    expect(badQuery.name).toBe('InvalidQueryException');
    expect(badQuery.$metadata.httpStatusCode).toBe(400);

    const manual = await failureOf(iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'osaka-gateways', thingName: 'created-thermostat' })));
    expect(manual.name).toBe('InvalidRequestException');
  });

  it('attaches a certificate to a thing through the x-amzn-principal header', async () => {
    const [certificateArn] = Object.values(estate.thingPrincipals)[0]!;
    await iot.send(new AttachThingPrincipalCommand({ thingName: 'created-thermostat', principal: certificateArn }));
    expect((await iot.send(new ListThingPrincipalsCommand({ thingName: 'created-thermostat' }))).principals).toEqual([certificateArn]);
    const unknown = await failureOf(iot.send(new AttachThingPrincipalCommand({ thingName: 'created-thermostat', principal: `arn:aws:iot:us-east-1:${estate.accountId}:cert/${'0'.repeat(64)}` })));
    expect(unknown.name).toBe('ResourceNotFoundException');
  });
});
