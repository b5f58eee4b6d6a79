import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateJobCommand, DescribeJobExecutionCommand, IoTClient } from '@aws-sdk/client-iot';
import { iot, iotjobs, mqtt as crt } from 'aws-iot-device-sdk-v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAwsBroker, type AwsBroker } from '../../src/sandbox/aws/broker/start-aws-broker.js';
import { startControlPlane, type ControlPlane } from '../../src/sandbox/aws/control-plane/start-control-plane.js';
import type { AwsEstate } from '../../src/sandbox/aws/estate.js';
import { EstateStore } from '../../src/sandbox/aws/estate-store.js';
import { JobRunner } from '../../src/sandbox/aws/jobs/job-runner.js';
import { seedAwsEstate } from '../../src/sandbox/aws/seed-estate.js';
import { createCertificateAuthority, issueCertificate } from '../../src/sandbox/pki.js';
import { uniqueLoopbackHost } from '../support/loopback.js';

/**
 * The Jobs MQTT API as AWS's own device SDK speaks it: `aws-iot-device-sdk-v2`'s
 * IotJobsClient over aws-crt (MQTT 3.1.1, mutual TLS), against jobs made with
 * `@aws-sdk/client-iot`. Its typed handlers are the check on the payload shapes.
 */
let work: string;
let host: string;
let caPath: string;
let estate: AwsEstate;
let jobs: JobRunner;
let broker: AwsBroker;
let controlPlane: ControlPlane;
let client: IoTClient;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'iotmigrate-jobs-sdk-'));
  const [root, awsIssuer, registeredCa] = await Promise.all([
    createCertificateAuthority('test root CA'),
    createCertificateAuthority('test AWS issuing CA'),
    createCertificateAuthority('test registered CA'),
  ]);
  estate = await seedAwsEstate({ things: 2, seed: 9, region: 'us-east-1', awsIssuer, registeredCa, devicesDir: join(work, 'devices'), anomalies: false });
  const store = EstateStore.inMemory(estate);
  host = uniqueLoopbackHost();
  caPath = join(work, 'root-ca.pem');
  await writeFile(caPath, root.certificatePem);
  jobs = new JobRunner({ store });
  const serverCertificate = await issueCertificate(root, { commonName: host, ipAddresses: [host], usage: 'server' });
  broker = await startAwsBroker({ store, host, port: 0, serverCertificate, jobs });
  controlPlane = await startControlPlane({ store, host, port: 0, dataEndpointHost: host, jobs });
  client = new IoTClient({ region: 'us-east-1', endpoint: controlPlane.url, credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
}, 60_000);

afterAll(async () => {
  client?.destroy();
  jobs?.close();
  await Promise.all([controlPlane?.close(), broker?.close()]);
  if (work) await rm(work, { recursive: true, force: true });
});

/** Subscribes, then hands back the first response the subscription delivers (wrapped, so awaiting the subscription does not wait for it). */
async function first<T>(subscribe: (handler: (error?: iotjobs.IotJobsError, response?: T) => void) => Promise<unknown>): Promise<{ response: Promise<T> }> {
  let resolve!: (response: T) => void;
  const response = new Promise<T>((done) => (resolve = done));
  await subscribe((_error, received) => received && resolve(received));
  return { response };
}

describe('the Jobs MQTT API with aws-iot-device-sdk-v2', () => {
  it('notifies, starts, updates and lists jobs through IotJobsClient', async () => {
    const thingName = Object.keys(estate.things).sort()[0]!;
    const dir = join(work, 'devices', thingName);
    const config = iot.AwsIotMqttConnectionConfigBuilder.new_mtls_builder_from_path(join(dir, 'certificate.pem.crt'), join(dir, 'private.pem.key'))
      .with_certificate_authority_from_path(undefined, caPath)
      .with_client_id(thingName)
      .with_endpoint(host)
      .with_port(broker.port)
      .with_clean_session(true)
      .build();
    const connection = new crt.MqttClient().new_connection(config);
    await connection.connect();
    try {
      const jobsClient = new iotjobs.IotJobsClient(connection);
      const qos = crt.QoS.AtLeastOnce;
      const nextChanged = await first<iotjobs.model.NextJobExecutionChangedEvent>((handler) => jobsClient.subscribeToNextJobExecutionChangedEvents({ thingName }, qos, handler));
      const listChanged = await first<iotjobs.model.JobExecutionsChangedEvent>((handler) => jobsClient.subscribeToJobExecutionsChangedEvents({ thingName }, qos, handler));
      await client.send(new CreateJobCommand({ jobId: 'sdk-job', targets: [estate.things[thingName]!.thingArn], document: JSON.stringify({ operation: 'migrate', hub: '127.0.0.2' }) }));
      expect((await nextChanged.response).execution).toMatchObject({ jobId: 'sdk-job', thingName, status: 'QUEUED', jobDocument: { operation: 'migrate', hub: '127.0.0.2' } });
      expect((await listChanged.response).jobs?.QUEUED).toEqual([expect.objectContaining({ jobId: 'sdk-job', executionNumber: 1 })]);

      const started = await first<iotjobs.model.StartNextJobExecutionResponse>((handler) => jobsClient.subscribeToStartNextPendingJobExecutionAccepted({ thingName }, qos, handler));
      await jobsClient.publishStartNextPendingJobExecution({ thingName, clientToken: 'sdk-start', stepTimeoutInMinutes: 5, statusDetails: { step: 'downloading' } }, qos);
      expect(await started.response).toMatchObject({ clientToken: 'sdk-start', execution: { jobId: 'sdk-job', status: 'IN_PROGRESS', versionNumber: 2 } });

      const pending = await first<iotjobs.model.GetPendingJobExecutionsResponse>((handler) => jobsClient.subscribeToGetPendingJobExecutionsAccepted({ thingName }, qos, handler));
      await jobsClient.publishGetPendingJobExecutions({ thingName, clientToken: 'sdk-list' }, qos);
      expect(await pending.response).toMatchObject({ clientToken: 'sdk-list', inProgressJobs: [{ jobId: 'sdk-job' }], queuedJobs: [] });

      const rejected = await first<iotjobs.model.RejectedErrorResponse>((handler) => jobsClient.subscribeToUpdateJobExecutionRejected({ thingName, jobId: 'sdk-job' }, qos, handler));
      await jobsClient.publishUpdateJobExecution({ thingName, jobId: 'sdk-job', status: iotjobs.model.JobStatus.SUCCEEDED, expectedVersion: 1, clientToken: 'sdk-stale' }, qos);
      expect(await rejected.response).toMatchObject({ code: 'VersionMismatch', clientToken: 'sdk-stale' });

      const updated = await first<iotjobs.model.UpdateJobExecutionResponse>((handler) => jobsClient.subscribeToUpdateJobExecutionAccepted({ thingName, jobId: 'sdk-job' }, qos, handler));
      await jobsClient.publishUpdateJobExecution(
        { thingName, jobId: 'sdk-job', status: iotjobs.model.JobStatus.SUCCEEDED, expectedVersion: 2, includeJobExecutionState: true, statusDetails: { step: 'done' } },
        qos,
      );
      expect(await updated.response).toMatchObject({ executionState: { status: 'SUCCEEDED', versionNumber: 3, statusDetails: { step: 'done' } } });
      const { execution } = await client.send(new DescribeJobExecutionCommand({ jobId: 'sdk-job', thingName }));
      expect(execution?.status).toBe('SUCCEEDED');
    } finally {
      await connection.disconnect();
    }
  }, 60_000);
});
