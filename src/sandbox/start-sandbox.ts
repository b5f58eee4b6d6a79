import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { EmitProgress } from '../progress/events.js';
import { stableStringify, writeFileAtomic } from '../fs/atomic-write.js';
import { issueCertificate } from './pki.js';
import { loadOrCreateSandboxCas, type SandboxCas } from './sandbox-ca.js';
import { SANDBOX_RUNTIME_FILE } from './runtime-record.js';
import { FaultInjector, NO_FAULTS, type FaultRates } from './faults.js';
import { loadOrCreateSigningKey } from '../ota/signing-key.js';
import { EstateStore } from './aws/estate-store.js';
import { seedAwsEstate } from './aws/seed-estate.js';
import { startControlPlane } from './aws/control-plane/start-control-plane.js';
import { startAwsBroker } from './aws/broker/start-aws-broker.js';
import { JobRunner } from './aws/jobs/job-runner.js';
import { ObjectStore } from './aws/s3/object-store.js';
import { startS3Server, type S3Server } from './aws/s3/start-s3-server.js';
import { DEFAULT_HUB_PORTS, startIotHub, type IotHub } from './azure/start-iot-hub.js';
import type { FleetOptions } from '../sim-devices/fleet.js';
import type { FleetProcess } from '../sim-devices/fork-fleet.js';
import type { FleetStatus } from '../sim-devices/fleet-status.js';

export const DEFAULT_SANDBOX_HOST = '127.0.0.1';
/** The Azure half gets an address of its own: azure-iothub only reaches port 443 of the hub's host name. */
export const DEFAULT_HUB_HOST = '127.0.0.2';
export const SANDBOX_HUB_NAME = 'iotmigrate-sandbox';
/** The name under which the hub holds the estate's customer CA. */
const REGISTERED_CA_NAME = 'example-corp-device-ca';
export const DEFAULT_PORTS = { api: 4566, mqtt: 8883, s3: 4567 } as const;
/** The fleet vendor's firmware code-signing key: the simulated devices trust its public half. */
export const SANDBOX_SIGNING_KEY_FILE = 'firmware-signing-key.pem';
export const SANDBOX_CREDENTIALS = { accessKeyId: 'AKIASANDBOX000000000', secretAccessKey: 'sandbox-secret-access-key' } as const;

export interface SandboxOptions {
  stateDir: string;
  /** A loopback address of the sandbox's own (127.0.0.0/8), so several can run side by side. */
  host?: string;
  /** The IoT Hub's loopback address, its host name in connection strings; another than `host`. */
  hubHost?: string;
  /** Things to seed when the state dir holds no estate yet; ignored otherwise. */
  things?: number;
  seed?: number;
  /** Requests per second per API operation (per operation family on the hub) before they are throttled; unlimited if unset. */
  apiRate?: number;
  region?: string;
  /** The hub's ports default to 443 and 8883; azure-iothub reaches no other HTTPS port. */
  ports?: { api?: number; mqtt?: number; s3?: number; hubHttps?: number; hubMqtt?: number };
  /** Seed the oddities of a real fleet (thing without certificate, shared and revoked certificates). */
  anomalies?: boolean;
  /** Faults to inject (`sandbox up --faults`), drawn from `seed`; none if unset. */
  faults?: FaultRates;
  /**
   * Run the simulated fleet (in a child process): one device per seeded thing with an
   * ACTIVE certificate and credentials on disk, unless `things` names them. Off if unset.
   */
  fleet?: SandboxFleetOptions;
  onEvent?: EmitProgress;
}

export type SandboxFleetOptions = Pick<FleetOptions, 'firmwareDir' | 'entryPoint' | 'profiles' | 'telemetryIntervalMs'> & { things?: string[] };

export interface SandboxEndpoints {
  /** Control plane and data-plane REST (shadows), as `@aws-sdk/client-iot` reaches it. */
  iotApi: string;
  /** The ATS data endpoint host devices connect to over MQTT. */
  iotDataHost: string;
  mqttPort: number;
  /** S3 (path-style, HTTPS with the sandbox CA) for firmware bundles, as `@aws-sdk/client-s3` reaches it. */
  s3Api: string;
  /** The Azure IoT Hub's host name: its service API is on iotHubHttpsPort, its device MQTT on iotHubMqttPort. */
  iotHubHostName: string;
  iotHubHttpsPort: number;
  iotHubMqttPort: number;
}

export interface Sandbox {
  host: string;
  stateDir: string;
  region: string;
  endpoints: SandboxEndpoints;
  /** The environment that points the AWS SDKs (and iotmigrate) at this sandbox. */
  env: Record<string, string>;
  store: EstateStore;
  /** The AWS IoT Jobs service behind the control plane and the broker. */
  jobs: JobRunner;
  s3: S3Server;
  hub: IotHub;
  cas: SandboxCas;
  /** The ed25519 key the simulated fleet trusts for firmware; `sandbox env` hands it to plan and apply. */
  firmwareSigningKeyFile: string;
  /** The one fault injector every server (and the fleet, for device-offline) draws from; its rates are all 0 without --faults. */
  faults: FaultInjector;
  /** The seed of the estate and of the faults. */
  seed: number;
  /** The estate was freshly seeded (false when an existing state dir was reopened). */
  seeded: boolean;
  /** The simulated fleet, when started: `fleet.status()` counts devices on AWS, on Azure and updating. */
  fleet: FleetProcess | undefined;
  /** Client IDs connected to the AWS broker now. */
  awsClients(): string[];
  stop(): Promise<void>;
}

export interface SandboxRuntimeRecord {
  pid: number;
  host: string;
  hubName: string;
  endpoints: SandboxEndpoints;
  env: Record<string, string>;
  things: number;
  startedAt: string;
  /** Present when faults are injected, so `sandbox status` can say which. */
  faults?: { rates: FaultRates; seed: number };
}

export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const stateDir = resolve(options.stateDir);
  const host = options.host ?? DEFAULT_SANDBOX_HOST;
  const hubHost = options.hubHost ?? DEFAULT_HUB_HOST;
  const region = options.region ?? 'us-east-1';
  const emit = options.onEvent ?? (() => {});
  const seed = options.seed ?? 1;
  // One injector for the whole sandbox: each kind has its own stream, so the seed replays every server's faults.
  const faults = new FaultInjector(options.faults ?? NO_FAULTS, seed);
  await mkdir(stateDir, { recursive: true });

  emit({ type: 'stage', stage: 'sandbox', status: 'started', title: `Starting the sandbox on ${host} (AWS) and ${hubHost} (Azure IoT Hub)` });
  const cas = await loadOrCreateSandboxCas(stateDir);
  await writeFile(cas.rootCaFile, cas.root.certificatePem);
  const firmwareSigningKeyFile = join(stateDir, SANDBOX_SIGNING_KEY_FILE);
  await loadOrCreateSigningKey(firmwareSigningKeyFile);

  const existing = await EstateStore.load(stateDir);
  const store = existing ?? (await seedNewEstate(stateDir, region, cas, options, emit));

  const serverCert = await issueCertificate(cas.root, {
    commonName: host,
    ipAddresses: [host],
    dnsNames: ['localhost'],
    usage: 'server',
  });
  const hubServerCert = await issueCertificate(cas.root, { commonName: hubHost, ipAddresses: [hubHost], usage: 'server' });
  const apiPort = options.ports?.api ?? DEFAULT_PORTS.api;
  const mqttPort = options.ports?.mqtt ?? DEFAULT_PORTS.mqtt;

  const s3 = await startS3Server({
    objects: await ObjectStore.open(join(stateDir, 's3')),
    host,
    port: options.ports?.s3 ?? DEFAULT_PORTS.s3,
    region,
    credentials: SANDBOX_CREDENTIALS,
    // Devices fetch bundles over HTTPS, as from real S3; NODE_EXTRA_CA_CERTS carries the sandbox CA.
    tls: serverCert,
    faults,
  });
  const jobs = new JobRunner({ store, objects: s3 });
  const closeJobsAndS3 = async () => {
    jobs.close();
    await s3.close();
  };
  const broker = await startAwsBroker({ store, host, port: mqttPort, serverCertificate: serverCert, jobs }).catch(async (error: unknown) => {
    await closeJobsAndS3();
    throw error;
  });
  const controlPlane = await startControlPlane({
    store,
    host,
    port: apiPort,
    apiRate: options.apiRate,
    dataEndpointHost: host,
    jobs,
    faults,
  }).catch(async (error: unknown) => {
    await Promise.all([broker.close(), closeJobsAndS3()]);
    throw error;
  });
  const hub = await startIotHub({
    hubName: SANDBOX_HUB_NAME,
    host: hubHost,
    httpsPort: options.ports?.hubHttps ?? DEFAULT_HUB_PORTS.https,
    mqttPort: options.ports?.hubMqtt ?? DEFAULT_HUB_PORTS.mqtt,
    stateDir,
    serverCertificate: hubServerCert,
    apiRate: options.apiRate,
    faults,
    onEvent: emit,
  }).catch(async (error: unknown) => {
    await Promise.all([controlPlane.close(), broker.close(), closeJobsAndS3()]);
    throw error;
  });
  // The customer CA of the seeded estate, as the plan's azurerm_iothub_certificate would
  // upload and verify it, so devices that keep their CA-issued certificates can connect.
  hub.registerCertificateAuthority({ name: REGISTERED_CA_NAME, certificatePem: cas.registeredCa.certificatePem });
  const fleet = options.fleet
    ? await startSandboxFleet(options.fleet, { stateDir, store, host, mqttPort: broker.port, cas, firmwareSigningKeyFile, faults: options.faults, seed }, emit).catch(
        async (error: unknown) => {
          await Promise.all([controlPlane.close(), broker.close(), hub.close(), closeJobsAndS3()]);
          throw error;
        },
      )
    : undefined;

  const endpoints: SandboxEndpoints = {
    iotApi: controlPlane.url,
    iotDataHost: host,
    mqttPort: broker.port,
    s3Api: s3.url,
    iotHubHostName: hub.hostName,
    iotHubHttpsPort: hub.httpsPort,
    iotHubMqttPort: hub.mqttPort,
  };
  const env: Record<string, string> = {
    AWS_REGION: region,
    AWS_ACCESS_KEY_ID: SANDBOX_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: SANDBOX_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_IOT: controlPlane.url,
    AWS_ENDPOINT_URL_IOT_DATA_PLANE: controlPlane.url,
    // client-s3 goes path-style by itself for an IP endpoint, which the sandbox always has.
    AWS_ENDPOINT_URL_S3: s3.url,
    // The iothubowner policy, for `iotmigrate apply` and azure-iothub.
    IOTHUB_CONNECTION_STRING: hub.connectionString,
    IOTHUB_HOSTNAME: hub.hostName,
    NODE_EXTRA_CA_CERTS: cas.rootCaFile,
    // The vendor key the fleet trusts, for plan and apply to sign firmware with (their --signing-key).
    IOTMIGRATE_PLAN_SIGNING_KEY: firmwareSigningKeyFile,
    IOTMIGRATE_APPLY_SIGNING_KEY: firmwareSigningKeyFile,
  };
  const runtimeFile = join(stateDir, SANDBOX_RUNTIME_FILE);
  const record: SandboxRuntimeRecord = {
    pid: process.pid,
    host,
    hubName: hub.hubName,
    endpoints,
    env,
    things: Object.keys(store.estate.things).length,
    startedAt: new Date().toISOString(),
    ...(faults.any ? { faults: { rates: faults.rates, seed } } : {}),
  };
  await writeFileAtomic(runtimeFile, stableStringify(record));
  emit({ type: 'stage', stage: 'sandbox', status: 'finished' });

  let stopped: Promise<void> | undefined;
  return {
    host,
    stateDir,
    region,
    endpoints,
    env,
    store,
    jobs,
    s3,
    hub,
    cas,
    firmwareSigningKeyFile,
    faults,
    seed,
    seeded: existing === undefined,
    fleet,
    awsClients: () => broker.connectedClients(),
    stop() {
      stopped ??= (async () => {
        await fleet?.stop();
        await Promise.all([controlPlane.close(), broker.close(), hub.close(), closeJobsAndS3()]);
        await store.flush();
        await rm(runtimeFile, { force: true });
      })();
      return stopped;
    },
  };
}

async function seedNewEstate(
  stateDir: string,
  region: string,
  cas: SandboxCas,
  options: SandboxOptions,
  emit: EmitProgress,
): Promise<EstateStore> {
  const things = options.things ?? 0;
  emit({ type: 'stage', stage: 'seed', status: 'started', title: `Seeding an AWS estate of ${things} things` });
  const estate = await seedAwsEstate({
    things,
    seed: options.seed ?? 1,
    region,
    awsIssuer: cas.awsIssuer,
    registeredCa: cas.registeredCa,
    devicesDir: join(stateDir, 'devices'),
    anomalies: options.anomalies ?? true,
    onEvent: emit,
  });
  const store = await EstateStore.create(stateDir, estate);
  emit({ type: 'stage', stage: 'seed', status: 'finished' });
  return store;
}

async function startSandboxFleet(
  options: SandboxFleetOptions,
  sandbox: { stateDir: string; store: EstateStore; host: string; mqttPort: number; cas: SandboxCas; firmwareSigningKeyFile: string; faults: FaultRates | undefined; seed: number },
  emit: EmitProgress,
): Promise<FleetProcess> {
  const { devicesWithinDescriptors, openFilesLimit, simulatableDevices } = await import('../sim-devices/fleet-devices.js');
  const { forkFleet } = await import('../sim-devices/fork-fleet.js');
  const wanted = options.things === undefined ? undefined : new Set(options.things);
  let devices = simulatableDevices(sandbox.store, sandbox.stateDir).filter((device) => wanted === undefined || wanted.has(device.thingName));
  const limit = openFilesLimit();
  if (limit !== undefined && devices.length > devicesWithinDescriptors(limit)) {
    emit({
      type: 'warning',
      code: 'fleet-over-descriptor-limit',
      message: `simulating ${devicesWithinDescriptors(limit)} of ${devices.length} devices: two connections each need more than this process's limit of ${limit} open files (raise it with ulimit -n)`,
    });
    devices = devices.slice(0, devicesWithinDescriptors(limit));
  }
  emit({ type: 'log', level: 'info', message: `Starting ${devices.length} simulated devices (log: ${sandbox.stateDir}/fleet.log)` });
  const { things: _things, ...fleetOptions } = options;
  // Booting a thousand devices takes a while (a TLS context per connection): show it
  // moving, until it is up; later changes are the rollout's to report.
  let up = false;
  const booted = (status: FleetStatus) => {
    if (!up) emit({ type: 'progress', stage: 'sandbox', resource: 'simulated devices', done: status.devices - status.starting, total: devices.length });
  };
  const fleet = await forkFleet({
    ...fleetOptions,
    stateDir: sandbox.stateDir,
    devices,
    aws: { endpoint: sandbox.host, port: sandbox.mqttPort },
    caFile: sandbox.cas.rootCaFile,
    signingKeyFile: sandbox.firmwareSigningKeyFile,
    ...(sandbox.faults ? { faults: sandbox.faults } : {}),
    seed: sandbox.seed,
  }, booted);
  up = true;
  emit({ type: 'log', level: 'info', message: `${devices.length} simulated devices are up` });
  return fleet;
}
