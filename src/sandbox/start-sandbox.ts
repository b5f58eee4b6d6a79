import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { EmitProgress } from '../progress/events.js';
import { stableStringify, writeFileAtomic } from '../fs/atomic-write.js';
import { issueCertificate } from './pki.js';
import { loadOrCreateSandboxCas, type SandboxCas } from './sandbox-ca.js';
import { EstateStore } from './aws/estate-store.js';
import { seedAwsEstate } from './aws/seed-estate.js';
import { startControlPlane } from './aws/control-plane/start-control-plane.js';
import { startAwsBroker } from './aws/broker/start-aws-broker.js';

export const DEFAULT_SANDBOX_HOST = '127.0.0.1';
export const DEFAULT_PORTS = { api: 4566, mqtt: 8883 } as const;
export const SANDBOX_RUNTIME_FILE = 'sandbox.json';
export const SANDBOX_CREDENTIALS = { accessKeyId: 'AKIASANDBOX000000000', secretAccessKey: 'sandbox-secret-access-key' } as const;

export interface SandboxOptions {
  stateDir: string;
  /** A loopback address of the sandbox's own (127.0.0.0/8), so several can run side by side. */
  host?: string;
  /** Things to seed when the state dir holds no estate yet; ignored otherwise. */
  things?: number;
  seed?: number;
  /** Control-plane requests per second before it answers ThrottlingException; unlimited if unset. */
  apiRate?: number;
  region?: string;
  ports?: { api?: number; mqtt?: number };
  /** Seed the oddities of a real fleet (thing without certificate, shared and revoked certificates). */
  anomalies?: boolean;
  onEvent?: EmitProgress;
}

export interface SandboxEndpoints {
  /** Control plane and data-plane REST (shadows), as `@aws-sdk/client-iot` reaches it. */
  iotApi: string;
  /** The ATS data endpoint host devices connect to over MQTT. */
  iotDataHost: string;
  mqttPort: number;
}

export interface Sandbox {
  host: string;
  stateDir: string;
  region: string;
  endpoints: SandboxEndpoints;
  /** The environment that points the AWS SDKs (and iotmigrate) at this sandbox. */
  env: Record<string, string>;
  store: EstateStore;
  cas: SandboxCas;
  /** The estate was freshly seeded (false when an existing state dir was reopened). */
  seeded: boolean;
  stop(): Promise<void>;
}

export interface SandboxRuntimeRecord {
  pid: number;
  host: string;
  endpoints: SandboxEndpoints;
  env: Record<string, string>;
  things: number;
  startedAt: string;
}

export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const stateDir = resolve(options.stateDir);
  const host = options.host ?? DEFAULT_SANDBOX_HOST;
  const region = options.region ?? 'us-east-1';
  const emit = options.onEvent ?? (() => {});
  await mkdir(stateDir, { recursive: true });

  emit({ type: 'stage', stage: 'sandbox', status: 'started', title: `Starting the sandbox on ${host}` });
  const cas = await loadOrCreateSandboxCas(stateDir);
  await writeFile(cas.rootCaFile, cas.root.certificatePem);

  const existing = await EstateStore.load(stateDir);
  const store = existing ?? (await seedNewEstate(stateDir, region, cas, options, emit));

  const serverCert = await issueCertificate(cas.root, {
    commonName: host,
    ipAddresses: [host],
    dnsNames: ['localhost'],
    usage: 'server',
  });
  const apiPort = options.ports?.api ?? DEFAULT_PORTS.api;
  const mqttPort = options.ports?.mqtt ?? DEFAULT_PORTS.mqtt;

  const broker = await startAwsBroker({ store, host, port: mqttPort, serverCertificate: serverCert });
  const controlPlane = await startControlPlane({
    store,
    host,
    port: apiPort,
    apiRate: options.apiRate,
    dataEndpointHost: host,
  }).catch(async (error: unknown) => {
    await broker.close();
    throw error;
  });

  const endpoints: SandboxEndpoints = { iotApi: controlPlane.url, iotDataHost: host, mqttPort: broker.port };
  const env: Record<string, string> = {
    AWS_REGION: region,
    AWS_ACCESS_KEY_ID: SANDBOX_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: SANDBOX_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_IOT: controlPlane.url,
    AWS_ENDPOINT_URL_IOT_DATA_PLANE: controlPlane.url,
    NODE_EXTRA_CA_CERTS: cas.rootCaFile,
  };
  const runtimeFile = join(stateDir, SANDBOX_RUNTIME_FILE);
  const record: SandboxRuntimeRecord = {
    pid: process.pid,
    host,
    endpoints,
    env,
    things: Object.keys(store.estate.things).length,
    startedAt: new Date().toISOString(),
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
    cas,
    seeded: existing === undefined,
    stop() {
      stopped ??= (async () => {
        await Promise.all([controlPlane.close(), broker.close()]);
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
