import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import deviceSdk from 'azure-iot-device';
import iothub from 'azure-iothub';
import { Mqtt } from 'azure-iot-device-mqtt';
import { startIotHub, type IotHub } from '../../src/sandbox/azure/start-iot-hub.js';
import type { FaultInjector } from '../../src/sandbox/faults.js';
import { createCertificateAuthority, issueCertificate, type CertificateAuthority } from '../../src/sandbox/pki.js';
import { uniqueLoopbackHost } from './loopback.js';
import { ServiceSdk } from './azure-service-sdk.js';

export type DeviceClient = InstanceType<typeof deviceSdk.Client>;

export interface TestHub {
  hub: IotHub;
  host: string;
  /** Signs the hub's TLS certificate; the service SDK child trusts it through NODE_EXTRA_CA_CERTS. */
  rootCa: CertificateAuthority;
  stateDir: string;
  sdk: ServiceSdk;
  /** Opens a device client (azure-iot-device over MQTT) that trusts the hub; closed by close(). */
  openDevice(connectionString: string, credentials?: { cert: string; key: string }): Promise<DeviceClient>;
  /**
   * A hand-made HTTPS request to the hub, signed with a policy's key as azure-iothub
   * signs: for what the SDK has no call for (twin PUT, the sandbox endpoints).
   */
  rest(method: string, path: string, options?: { json?: unknown; body?: Buffer; headers?: Record<string, string>; policy?: string }): Promise<RestResponse>;
  /** The error with which a device client fails to open. */
  refusal(connectionString: string, credentials?: { cert: string; key: string }): Promise<Error>;
  close(): Promise<void>;
}

export interface RestResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: unknown;
}

/**
 * A hub on a loopback address of its own, on the standard ports (443 for the service
 * API, 8883 for devices), with the real SDKs pointed at it.
 */
export async function startTestHub(options: { apiRate?: number; faults?: FaultInjector } = {}): Promise<TestHub> {
  const tempDir = await mkdtemp(join(tmpdir(), 'iotmigrate-hub-'));
  const host = uniqueLoopbackHost();
  const rootCa = await createCertificateAuthority('test hub root CA');
  const caFile = join(tempDir, 'root-ca.pem');
  await writeFile(caFile, rootCa.certificatePem);
  const serverCertificate = await issueCertificate(rootCa, { commonName: host, ipAddresses: [host], usage: 'server' });
  const stateDir = join(tempDir, 'state');
  const hub = await startIotHub({ hubName: 'test-hub', host, stateDir, serverCertificate, apiRate: options.apiRate, faults: options.faults });
  const sdk = new ServiceSdk(caFile);
  const devices = new Set<DeviceClient>();

  const createDevice = async (connectionString: string, credentials?: { cert: string; key: string }) => {
    const client = deviceSdk.Client.fromConnectionString(connectionString, Mqtt);
    // A refused or dropped connection is reported through open() or 'disconnect'; without a listener 'error' would throw.
    client.on('error', () => {});
    await client.setOptions({ ca: rootCa.certificatePem, ...credentials });
    return client;
  };

  return {
    hub,
    host,
    rootCa,
    stateDir,
    sdk,
    async openDevice(connectionString, credentials) {
      const client = await createDevice(connectionString, credentials);
      devices.add(client);
      await client.open();
      return client;
    },
    rest(method, path, restOptions = {}) {
      const connection = iothub.ConnectionString.parse(hub.connectionStringFor(restOptions.policy ?? 'iothubowner'));
      const token = iothub.SharedAccessSignature.create(host, connection.SharedAccessKeyName!, connection.SharedAccessKey!, Math.floor(Date.now() / 1000) + 600);
      const body = restOptions.json === undefined ? restOptions.body : Buffer.from(JSON.stringify(restOptions.json));
      return new Promise((resolve, reject) => {
        const outgoing = request(
          {
            host,
            port: hub.httpsPort,
            method,
            path,
            ca: rootCa.certificatePem,
            agent: false,
            headers: {
              authorization: token.toString(),
              ...(restOptions.json === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }),
              ...restOptions.headers,
            },
          },
          (response) => {
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.on('end', () => {
              const text = Buffer.concat(chunks).toString('utf8');
              resolve({ status: response.statusCode ?? 0, headers: response.headers, json: text ? JSON.parse(text) : undefined });
            });
          },
        );
        outgoing.on('error', reject);
        outgoing.end(body);
      });
    },
    async refusal(connectionString, credentials) {
      const client = await createDevice(connectionString, credentials);
      try {
        await client.open();
      } catch (error) {
        return error as Error;
      } finally {
        await client.close();
      }
      throw new Error('the device connected where a refusal was expected');
    },
    async close() {
      await Promise.all([...devices].map((client) => client.close()));
      await sdk.close();
      await hub.close();
      await rm(tempDir, { recursive: true, force: true });
    },
  };
}
