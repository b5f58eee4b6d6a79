import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request as httpGet } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CancelJobCommand,
  CancelJobExecutionCommand,
  CreateJobCommand,
  type CreateJobCommandInput,
  DescribeJobCommand,
  DescribeJobExecutionCommand,
  GetJobDocumentCommand,
  IoTClient,
  ListJobExecutionsForJobCommand,
  ListJobExecutionsForThingCommand,
  ListJobsCommand,
} from '@aws-sdk/client-iot';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAwsBroker, type AwsBroker } from '../../src/sandbox/aws/broker/start-aws-broker.js';
import { startControlPlane, type ControlPlane } from '../../src/sandbox/aws/control-plane/start-control-plane.js';
import type { AwsEstate } from '../../src/sandbox/aws/estate.js';
import { EstateStore } from '../../src/sandbox/aws/estate-store.js';
import { JobRunner } from '../../src/sandbox/aws/jobs/job-runner.js';
import { ObjectStore } from '../../src/sandbox/aws/s3/object-store.js';
import { startS3Server, type S3Server } from '../../src/sandbox/aws/s3/start-s3-server.js';
import { seedAwsEstate } from '../../src/sandbox/aws/seed-estate.js';
import { createCertificateAuthority, issueCertificate } from '../../src/sandbox/pki.js';
import { uniqueLoopbackHost } from '../support/loopback.js';

/**
 * AWS IoT Jobs end to end: jobs made with the real `@aws-sdk/client-iot`, devices on
 * real mqtt.js over mutual TLS with their own certificates, bundles uploaded with
 * `@aws-sdk/client-s3` and fetched by presigned URL over plain HTTP. The Jobs service
 * runs on a clock the test can move forward, so minutes of rollout and timeout pass at once.
 */
const credentials = { accessKeyId: 'AKIASANDBOX000000000', secretAccessKey: 'sandbox-secret-access-key' };
const ROLE = 'arn:aws:iam::123456789012:role/iot-presign';

let work: string;
let host: string;
let estate: AwsEstate;
let things: string[];
let rootCaPem: string;
let clockOffset = 0;
let jobs: JobRunner;
let s3Server: S3Server;
let broker: AwsBroker;
let controlPlane: ControlPlane;
let iot: IoTClient;
let s3: S3Client;
const devices = new Set<MqttClient>();
const bundle = Buffer.from(Array.from({ length: 100_000 }, (_, index) => (index * 7) % 256));

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'iotmigrate-jobs-'));
  const [root, awsIssuer, registeredCa] = await Promise.all([
    createCertificateAuthority('test root CA'),
    createCertificateAuthority('test AWS issuing CA'),
    createCertificateAuthority('test registered CA'),
  ]);
  estate = await seedAwsEstate({ things: 16, seed: 3, region: 'us-east-1', awsIssuer, registeredCa, devicesDir: join(work, 'devices'), anomalies: false });
  things = Object.keys(estate.things).sort();
  const store = EstateStore.inMemory(estate);
  host = uniqueLoopbackHost();
  rootCaPem = root.certificatePem;
  s3Server = await startS3Server({ objects: await ObjectStore.open(join(work, 's3')), host, port: 0, region: 'us-east-1', credentials });
  jobs = new JobRunner({ store, now: () => Date.now() / 1000 + clockOffset, tickIntervalMs: 50, objects: s3Server });
  const serverCertificate = await issueCertificate(root, { commonName: host, ipAddresses: [host], usage: 'server' });
  broker = await startAwsBroker({ store, host, port: 0, serverCertificate, jobs });
  controlPlane = await startControlPlane({ store, host, port: 0, dataEndpointHost: host, jobs });
  iot = new IoTClient({ region: 'us-east-1', endpoint: controlPlane.url, credentials });
  s3 = new S3Client({ region: 'us-east-1', endpoint: s3Server.url, forcePathStyle: true, credentials });
  await s3.send(new CreateBucketCommand({ Bucket: 'ota-bundles' }));
  // A stream body: client-s3 sends it aws-chunked with a trailing checksum.
  await s3.send(new PutObjectCommand({ Bucket: 'ota-bundles', Key: 'fw/2.0.0/bundle.bin', Body: Readable.from([bundle]), ContentLength: bundle.length }));
}, 60_000);

afterAll(async () => {
  await Promise.all([...devices].map((device) => device.endAsync(true)));
  iot?.destroy();
  s3?.destroy();
  jobs?.close();
  await Promise.all([controlPlane?.close(), broker?.close(), s3Server?.close()]);
  if (work) await rm(work, { recursive: true, force: true });
});

type Json = Record<string, any>;

/** A device: its own certificate and key, client ID = thing name, every message it receives kept in order. */
async function connectDevice(thingName: string): Promise<{ client: MqttClient; next: (topic: string, match?: (body: Json) => boolean) => Promise<Json> }> {
  const dir = join(work, 'devices', thingName);
  const client = await connectAsync(`mqtts://${host}:${broker.port}`, {
    cert: await readFile(join(dir, 'certificate.pem.crt'), 'utf8'),
    key: await readFile(join(dir, 'private.pem.key'), 'utf8'),
    ca: rootCaPem,
    clientId: thingName,
    protocolVersion: 4,
    rejectUnauthorized: true,
    reconnectPeriod: 0,
  });
  devices.add(client);
  const received: { topic: string; body: Json }[] = [];
  const waiters: { topic: string; match: (body: Json) => boolean; resolve: (body: Json) => void }[] = [];
  client.on('message', (topic, payload) => {
    const body = JSON.parse(payload.toString()) as Json;
    const waiter = waiters.find((candidate) => candidate.topic === topic && candidate.match(body));
    if (waiter) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(body);
    } else {
      received.push({ topic, body });
    }
  });
  await client.subscribeAsync(`$aws/things/${thingName}/jobs/#`, { qos: 1 });
  const next = (topic: string, match: (body: Json) => boolean = () => true) =>
    new Promise<Json>((resolve) => {
      const earlier = received.findIndex((message) => message.topic === topic && match(message.body));
      if (earlier >= 0) return resolve(received.splice(earlier, 1)[0]!.body);
      waiters.push({ topic, match, resolve });
    });
  return { client, next };
}

const jobsTopic = (thingName: string, suffix: string) => `$aws/things/${thingName}/jobs/${suffix}`;
const thingArn = (thingName: string) => estate.things[thingName]!.thingArn;

function createJob(jobId: string, input: Partial<CreateJobCommandInput> & { targets: string[] }) {
  return iot.send(new CreateJobCommand({ jobId, document: JSON.stringify({ operation: 'noop' }), ...input }));
}

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (let attempt = 0; ; attempt += 1) {
    const value = await read();
    if (done(value) || attempt === 200) return value;
    await sleep(25);
  }
}

function fetchUrl(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    httpGet(url, { headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode!, body: Buffer.concat(chunks) }));
    })
      .on('error', reject)
      .end();
  });
}

describe('AWS IoT Jobs in the sandbox', () => {
  it('takes a device from notify-next through start-next and a presigned download to SUCCEEDED', async () => {
    const thingName = things[0]!;
    const device = await connectDevice(thingName);
    const notified = device.next(jobsTopic(thingName, 'notify-next'));
    const created = await createJob('ota-single', {
      targets: [thingArn(thingName)],
      document: JSON.stringify({ operation: 'migrate', bundleUrl: '${aws:iot:s3-presigned-url:https://s3.amazonaws.com/ota-bundles/fw/2.0.0/bundle.bin}' }),
      presignedUrlConfig: { roleArn: ROLE, expiresInSec: 300 },
      description: 'one device',
    });
    expect(created).toMatchObject({ jobId: 'ota-single', jobArn: 'arn:aws:iot:us-east-1:123456789012:job/ota-single', description: 'one device' });

    const { execution: queued } = await notified;
    expect(queued).toMatchObject({ jobId: 'ota-single', thingName, status: 'QUEUED', versionNumber: 1, executionNumber: 1, queuedAt: expect.any(Number) });
    expect(queued.jobDocument.bundleUrl).toMatch(new RegExp(`^${s3Server.url}/ota-bundles/fw/2.0.0/bundle.bin\\?.*X-Amz-Expires=300`));

    const next = device.next(jobsTopic(thingName, '$next/get/accepted'));
    await device.client.publishAsync(jobsTopic(thingName, '$next/get'), JSON.stringify({ clientToken: 'next-1', includeJobDocument: false }), { qos: 1 });
    expect((await next).execution).toEqual(expect.not.objectContaining({ jobDocument: expect.anything() }));

    const listed = device.next(jobsTopic(thingName, 'get/accepted'));
    await device.client.publishAsync(jobsTopic(thingName, 'get'), JSON.stringify({ clientToken: 'list-1' }), { qos: 1 });
    expect(await listed).toMatchObject({ clientToken: 'list-1', inProgressJobs: [], queuedJobs: [{ jobId: 'ota-single', executionNumber: 1, versionNumber: 1 }] });

    const notify = device.next(jobsTopic(thingName, 'notify'), (body) => body.jobs.IN_PROGRESS !== undefined);
    const started = device.next(jobsTopic(thingName, 'start-next/accepted'));
    await device.client.publishAsync(jobsTopic(thingName, 'start-next'), JSON.stringify({ clientToken: 'start-1', statusDetails: { step: 'downloading' } }), { qos: 1 });
    const { execution } = await started;
    expect(execution).toMatchObject({ status: 'IN_PROGRESS', versionNumber: 2, statusDetails: { step: 'downloading' }, startedAt: expect.any(Number) });
    expect((await notify).jobs).toEqual({ IN_PROGRESS: [expect.objectContaining({ jobId: 'ota-single' })] });

    const download = await fetchUrl(execution.jobDocument.bundleUrl as string);
    expect(download.status).toBe(200);
    expect(download.body).toEqual(bundle);
    const resumed = await fetchUrl(execution.jobDocument.bundleUrl as string, { range: 'bytes=60000-' });
    expect(resumed.body).toEqual(bundle.subarray(60_000));

    const stale = device.next(jobsTopic(thingName, 'ota-single/update/rejected'));
    await device.client.publishAsync(jobsTopic(thingName, 'ota-single/update'), JSON.stringify({ status: 'SUCCEEDED', expectedVersion: 1, clientToken: 'stale' }), { qos: 1 });
    expect(await stale).toMatchObject({ code: 'VersionMismatch', clientToken: 'stale', executionState: { status: 'IN_PROGRESS', versionNumber: 2 } });

    const empty = device.next(jobsTopic(thingName, 'notify-next'));
    const done = device.next(jobsTopic(thingName, 'ota-single/update/accepted'));
    await device.client.publishAsync(
      jobsTopic(thingName, 'ota-single/update'),
      JSON.stringify({ status: 'SUCCEEDED', expectedVersion: 2, statusDetails: { step: 'verified' }, includeJobExecutionState: true, clientToken: 'done' }),
      { qos: 1 },
    );
    expect(await done).toMatchObject({ clientToken: 'done', executionState: { status: 'SUCCEEDED', versionNumber: 3, statusDetails: { step: 'verified' } } });
    expect(Object.keys(await empty)).toEqual(['timestamp']);

    const again = device.next(jobsTopic(thingName, 'ota-single/update/rejected'));
    await device.client.publishAsync(jobsTopic(thingName, 'ota-single/update'), JSON.stringify({ status: 'IN_PROGRESS' }), { qos: 1 });
    expect(await again).toMatchObject({ code: 'InvalidStateTransition' });

    const { job, documentSource } = await iot.send(new DescribeJobCommand({ jobId: 'ota-single' }));
    expect(documentSource).toBeUndefined();
    expect(job).toMatchObject({
      status: 'COMPLETED',
      targetSelection: 'SNAPSHOT',
      presignedUrlConfig: { roleArn: ROLE, expiresInSec: 300 },
      jobProcessDetails: { numberOfSucceededThings: 1, numberOfQueuedThings: 0, numberOfInProgressThings: 0 },
      completedAt: expect.any(Date),
    });
    expect(job?.jobProcessDetails?.processingTargets).toBeUndefined();
    // The document as stored keeps its placeholder: only devices get the substituted one.
    expect((await iot.send(new GetJobDocumentCommand({ jobId: 'ota-single' }))).document).toContain('${aws:iot:s3-presigned-url:');

    const { executionSummaries } = await iot.send(new ListJobExecutionsForJobCommand({ jobId: 'ota-single' }));
    expect(executionSummaries).toEqual([
      { thingArn: thingArn(thingName), jobExecutionSummary: expect.objectContaining({ status: 'SUCCEEDED', executionNumber: 1, retryAttempt: 0 }) },
    ]);
    const forThing = await iot.send(new ListJobExecutionsForThingCommand({ thingName, status: 'SUCCEEDED' }));
    expect(forThing.executionSummaries?.map((summary) => summary.jobId)).toEqual(['ota-single']);
    const described = await iot.send(new DescribeJobExecutionCommand({ jobId: 'ota-single', thingName }));
    expect(described.execution).toMatchObject({ status: 'SUCCEEDED', statusDetails: { detailsMap: { step: 'verified' } }, versionNumber: 3, thingArn: thingArn(thingName) });
    expect((await iot.send(new ListJobsCommand({ status: 'COMPLETED' }))).jobs?.map((summary) => summary.jobId)).toContain('ota-single');
  });

  it('releases executions no faster than maximumPerMinute', async () => {
    await createJob('ota-paced', { targets: things.slice(1, 6).map(thingArn), jobExecutionsRolloutConfig: { maximumPerMinute: 2 } });
    const released = async () => (await iot.send(new ListJobExecutionsForJobCommand({ jobId: 'ota-paced' }))).executionSummaries ?? [];
    expect(await released()).toHaveLength(2);
    const { job } = await iot.send(new DescribeJobCommand({ jobId: 'ota-paced' }));
    expect(job).toMatchObject({ jobExecutionsRolloutConfig: { maximumPerMinute: 2 }, jobProcessDetails: { numberOfQueuedThings: 2 } });
    expect(job?.jobProcessDetails?.processingTargets).toHaveLength(5);
    await sleep(200);
    expect(await released()).toHaveLength(2);
    clockOffset += 60;
    expect(await eventually(released, (list) => list.length === 4)).toHaveLength(4);
    clockOffset += 60;
    expect(await eventually(released, (list) => list.length === 5)).toHaveLength(5);
  });

  it('grows an exponential rollout by its factor, up to maximumPerMinute', async () => {
    await createJob('ota-exponential', {
      targets: things.slice(1, 6).map(thingArn),
      jobExecutionsRolloutConfig: {
        maximumPerMinute: 3,
        exponentialRate: { baseRatePerMinute: 1, incrementFactor: 2, rateIncreaseCriteria: { numberOfNotifiedThings: 1 } },
      },
    });
    // 1 notified → rate 2 → a second → rate 4, capped at 3 → a third, then the minute is full.
    const released = async () => (await iot.send(new ListJobExecutionsForJobCommand({ jobId: 'ota-exponential' }))).executionSummaries ?? [];
    expect(await released()).toHaveLength(3);
    const { job } = await iot.send(new DescribeJobCommand({ jobId: 'ota-exponential' }));
    expect(job?.jobExecutionsRolloutConfig?.exponentialRate).toEqual({ baseRatePerMinute: 1, incrementFactor: 2, rateIncreaseCriteria: { numberOfNotifiedThings: 1 } });
    clockOffset += 60;
    expect(await eventually(released, (list) => list.length === 5)).toHaveLength(5);
  });

  it('times an IN_PROGRESS execution out, re-queues it while retries remain, then leaves it TIMED_OUT', async () => {
    const thingName = things[6]!;
    const device = await connectDevice(thingName);
    await createJob('ota-timeout', {
      targets: [thingArn(thingName)],
      timeoutConfig: { inProgressTimeoutInMinutes: 1 },
      jobExecutionsRetryConfig: { criteriaList: [{ failureType: 'TIMED_OUT', numberOfRetries: 1 }] },
    });
    const start = async () => {
      const started = device.next(jobsTopic(thingName, 'start-next/accepted'));
      await device.client.publishAsync(jobsTopic(thingName, 'start-next'), '{}', { qos: 1 });
      return (await started).execution as Json;
    };
    expect(await start()).toMatchObject({ status: 'IN_PROGRESS', executionNumber: 1 });
    const describe = () => iot.send(new DescribeJobExecutionCommand({ jobId: 'ota-timeout', thingName }));
    expect((await describe()).execution?.approximateSecondsBeforeTimedOut).toBeGreaterThan(50);

    const requeued = device.next(jobsTopic(thingName, 'notify-next'), (body) => body.execution?.executionNumber === 2);
    clockOffset += 61;
    expect((await requeued).execution).toMatchObject({ status: 'QUEUED', executionNumber: 2 });
    expect((await describe()).execution).toMatchObject({ status: 'QUEUED', executionNumber: 2 });
    const [summary] = (await iot.send(new ListJobExecutionsForJobCommand({ jobId: 'ota-timeout' }))).executionSummaries ?? [];
    expect(summary?.jobExecutionSummary).toMatchObject({ retryAttempt: 1, executionNumber: 2 });

    expect(await start()).toMatchObject({ status: 'IN_PROGRESS', executionNumber: 2 });
    clockOffset += 61;
    const final = await eventually(describe, (result) => result.execution?.status === 'TIMED_OUT');
    expect(final.execution).toMatchObject({ status: 'TIMED_OUT', executionNumber: 2 });
    const { job } = await iot.send(new DescribeJobCommand({ jobId: 'ota-timeout' }));
    expect(job).toMatchObject({ status: 'COMPLETED', jobProcessDetails: { numberOfTimedOutThings: 1 } });

    const late = device.next(jobsTopic(thingName, 'ota-timeout/update/rejected'));
    await device.client.publishAsync(jobsTopic(thingName, 'ota-timeout/update'), JSON.stringify({ status: 'SUCCEEDED' }), { qos: 1 });
    expect(await late).toMatchObject({ code: 'TerminalStateReached' });
  });

  it('aborts at the failure threshold: queued executions are canceled, in-progress ones run on', async () => {
    const [failing, rejecting, working, waiting] = things.slice(7, 11) as [string, string, string, string];
    const [a, b, c] = await Promise.all([connectDevice(failing), connectDevice(rejecting), connectDevice(working)]);
    await createJob('ota-abort', {
      targets: [failing, rejecting, working, waiting].map(thingArn),
      abortConfig: { criteriaList: [{ failureType: 'ALL', action: 'CANCEL', thresholdPercentage: 50, minNumberOfExecutedThings: 4 }] },
    });
    const update = async (device: typeof a, thingName: string, status: string) => {
      const answer = device.next(jobsTopic(thingName, 'ota-abort/update/accepted'));
      await device.client.publishAsync(jobsTopic(thingName, 'ota-abort/update'), JSON.stringify({ status }), { qos: 1 });
      return answer;
    };
    await update(c, working, 'IN_PROGRESS');
    await update(a, failing, 'FAILED');
    expect((await iot.send(new DescribeJobCommand({ jobId: 'ota-abort' }))).job?.status).toBe('IN_PROGRESS');
    await update(b, rejecting, 'REJECTED');
    const { job } = await iot.send(new DescribeJobCommand({ jobId: 'ota-abort' }));
    expect(job).toMatchObject({
      status: 'CANCELED',
      jobProcessDetails: { numberOfFailedThings: 1, numberOfRejectedThings: 1, numberOfInProgressThings: 1, numberOfCanceledThings: 1 },
    });
    expect((await iot.send(new DescribeJobExecutionCommand({ jobId: 'ota-abort', thingName: waiting }))).execution?.status).toBe('CANCELED');
    await update(c, working, 'SUCCEEDED');
  });

  it('cancels jobs and executions as AWS does: QUEUED at once, IN_PROGRESS only with force', async () => {
    const [started, queued] = things.slice(11, 13) as [string, string];
    const device = await connectDevice(started);
    await createJob('ota-cancel', { targets: [started, queued].map(thingArn) });
    const begun = device.next(jobsTopic(started, 'start-next/accepted'));
    await device.client.publishAsync(jobsTopic(started, 'start-next'), '', { qos: 1 });
    await begun;

    await iot.send(new CancelJobCommand({ jobId: 'ota-cancel', reasonCode: 'WRONG_BUILD', comment: 'bundle built from the wrong branch' }));
    const status = async (thingName: string) => (await iot.send(new DescribeJobExecutionCommand({ jobId: 'ota-cancel', thingName }))).execution?.status;
    expect(await status(queued)).toBe('CANCELED');
    expect(await status(started)).toBe('IN_PROGRESS');
    expect((await iot.send(new DescribeJobCommand({ jobId: 'ota-cancel' }))).job).toMatchObject({ status: 'CANCELED', forceCanceled: false, reasonCode: 'WRONG_BUILD' });

    const emptied = device.next(jobsTopic(started, 'notify-next'), (body) => body.execution === undefined);
    await iot.send(new CancelJobCommand({ jobId: 'ota-cancel', force: true }));
    await emptied;
    expect(await status(started)).toBe('CANCELED');
    const late = device.next(jobsTopic(started, 'ota-cancel/update/rejected'));
    await device.client.publishAsync(jobsTopic(started, 'ota-cancel/update'), JSON.stringify({ status: 'SUCCEEDED' }), { qos: 1 });
    expect(await late).toMatchObject({ code: 'TerminalStateReached', executionState: { status: 'CANCELED' } });

    await createJob('ota-cancel-one', { targets: [started, queued].map(thingArn) });
    const resumed = device.next(jobsTopic(started, 'start-next/accepted'));
    await device.client.publishAsync(jobsTopic(started, 'start-next'), '{}', { qos: 1 });
    await resumed;
    const refused = await iot.send(new CancelJobExecutionCommand({ jobId: 'ota-cancel-one', thingName: started })).catch((error: Error) => error);
    expect(refused).toMatchObject({ name: 'InvalidStateTransitionException' });
    const conflict = await iot.send(new CancelJobExecutionCommand({ jobId: 'ota-cancel-one', thingName: started, force: true, expectedVersion: 9 })).catch((error: Error) => error);
    expect(conflict).toMatchObject({ name: 'VersionConflictException' });
    await iot.send(new CancelJobExecutionCommand({ jobId: 'ota-cancel-one', thingName: started, force: true }));
    await iot.send(new CancelJobExecutionCommand({ jobId: 'ota-cancel-one', thingName: queued }));
    expect((await iot.send(new DescribeJobCommand({ jobId: 'ota-cancel-one' }))).job).toMatchObject({ status: 'COMPLETED', jobProcessDetails: { numberOfCanceledThings: 2 } });
    const completed = await iot.send(new CancelJobCommand({ jobId: 'ota-cancel-one' })).catch((error: Error) => error);
    expect(completed).toMatchObject({ name: 'InvalidRequestException' });
  });

  it('reads a document from S3, targets thing groups, and refuses what AWS refuses', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'ota-bundles', Key: 'jobs/document.json', Body: JSON.stringify({ operation: 'from-s3' }) }));
    await iot.send(new CreateJobCommand({ jobId: 'ota-source', targets: [estate.thingGroups['site-berlin']!.groupArn, estate.thingGroups['firmware-1.0']!.groupArn], documentSource: 'https://s3.amazonaws.com/ota-bundles/jobs/document.json', targetSelection: 'CONTINUOUS' }));
    expect((await iot.send(new GetJobDocumentCommand({ jobId: 'ota-source' }))).document).toBe(JSON.stringify({ operation: 'from-s3' }));
    const members = new Set([...estate.thingGroups['site-berlin']!.members, ...things.filter((name) => /^1\.0\./.test(estate.things[name]!.attributes.firmwareVersion!))]);
    const listed = (await iot.send(new ListJobExecutionsForJobCommand({ jobId: 'ota-source', maxResults: 250 }))).executionSummaries ?? [];
    expect(listed.map((summary) => summary.thingArn).sort()).toEqual([...members].map(thingArn).sort());
    expect((await iot.send(new DescribeJobCommand({ jobId: 'ota-source' }))).documentSource).toBe('https://s3.amazonaws.com/ota-bundles/jobs/document.json');

    const failure = (input: Partial<CreateJobCommandInput>) => createJob('ota-refused', { targets: [thingArn(things[15]!)], ...input }).catch((error: Error) => error);
    expect(await failure({ jobExecutionsRetryConfig: { criteriaList: [{ failureType: 'FAILED', numberOfRetries: 11 }] } })).toMatchObject({ name: 'InvalidRequestException' });
    expect(await failure({ jobExecutionsRolloutConfig: { maximumPerMinute: 1001 } })).toMatchObject({ name: 'InvalidRequestException' });
    expect(await failure({ document: JSON.stringify({ url: '${aws:iot:s3-presigned-url:https://s3.amazonaws.com/b/k}' }) })).toMatchObject({ name: 'InvalidRequestException' });
    expect(await failure({ targets: ['arn:aws:iot:us-east-1:123456789012:thing/nope'] })).toMatchObject({ name: 'ResourceNotFoundException' });
    expect(await createJob('ota-single', { targets: [thingArn(things[0]!)] }).catch((error: Error) => error)).toMatchObject({ name: 'ResourceAlreadyExistsException' });
    expect(await iot.send(new DescribeJobCommand({ jobId: 'missing' })).catch((error: Error) => error)).toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('lets a device use only its own jobs topics', async () => {
    const [self, other] = [things[13]!, things[14]!];
    const device = await connectDevice(self);
    // The broker grants 128 (failure), which mqtt.js reports as a rejected subscribe.
    for (const filter of [`$aws/things/${other}/jobs/notify-next`, '$aws/things/+/jobs/#', '$aws/#']) {
      const refused = await device.client.subscribeAsync(filter).catch((error: Error & { packet?: { granted?: number[] } }) => error);
      expect(refused, filter).toMatchObject({ packet: { granted: [128] } });
    }
    expect(await device.client.subscribeAsync(`$aws/things/${self}/jobs/notify`)).toEqual([{ topic: `$aws/things/${self}/jobs/notify`, qos: 0 }]);
    const closed = new Promise<void>((resolve) => device.client.once('close', () => resolve()));
    device.client.publish(jobsTopic(other, 'get'), '{}', { qos: 1 });
    await closed;
  });
});

describe('a presigned bundle URL in a job document', () => {
  it('expires after presignedUrlConfig.expiresInSec', async () => {
    const thingName = things[15]!;
    const device = await connectDevice(thingName);
    await createJob('ota-expiry', {
      targets: [thingArn(thingName)],
      document: JSON.stringify({ bundleUrl: '${aws:iot:s3-presigned-url:https://ota-bundles.s3.amazonaws.com/fw/2.0.0/bundle.bin}' }),
      presignedUrlConfig: { roleArn: ROLE, expiresInSec: 60 },
    });
    const got = device.next(jobsTopic(thingName, 'ota-expiry/get/accepted'));
    await device.client.publishAsync(jobsTopic(thingName, 'ota-expiry/get'), JSON.stringify({ includeJobDocument: true }), { qos: 1 });
    const url = (await got).execution.jobDocument.bundleUrl as string;
    expect((await fetchUrl(url)).status).toBe(200);
    // The S3 server keeps real time; a URL signed a minute and more ago has run out.
    const signedAt = new URL(url).searchParams.get('X-Amz-Date')!;
    const stale = url.replace(signedAt, new Date(Date.now() - 120_000).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, ''));
    const expired = await fetchUrl(stale);
    expect(expired.status).toBe(403);
    expect(expired.body.toString()).toContain('Request has expired');
  });
});
