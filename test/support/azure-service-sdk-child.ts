/**
 * Runs the real azure-iothub service SDK for tests, in a process of its own because the
 * SDK trusts the sandbox CA only through NODE_EXTRA_CA_CERTS, which Node reads at start-up
 * (the way users run it). The parent sends `{id, credentials, op, args}` over IPC and gets
 * `{id, result}` or `{id, error}` back; see azure-service-sdk.ts.
 */
import iothub from 'azure-iothub';
import { IoTHubRegistryManager } from 'azure-iothub/dist/cl/iothub_registry_manager.js';
import type { ServiceSdkError, ServiceSdkRequest } from './azure-service-sdk.js';

const { Client, IoTHubTokenCredentials, Registry } = iothub;
type Registry = InstanceType<typeof Registry>;

const registries = new Map<string, Registry>();

function registryFor(request: ServiceSdkRequest): Registry {
  const key = JSON.stringify(request.credentials);
  let registry = registries.get(key);
  if (!registry) {
    registry =
      'connectionString' in request.credentials
        ? Registry.fromConnectionString(request.credentials.connectionString)
        : Registry.fromSharedAccessSignature(request.credentials.sharedAccessSignature);
    registries.set(key, registry);
  }
  return registry;
}

function connectionStringOf(request: ServiceSdkRequest): string {
  if (!('connectionString' in request.credentials)) throw new Error(`${request.op} needs a connection string`);
  return request.credentials.connectionString;
}

/** What the SDK handed back, as plain JSON (its Device and Twin objects hold the registry). */
const plain = (value: unknown): unknown => (value === undefined ? null : JSON.parse(JSON.stringify(value)));

async function run(request: ServiceSdkRequest): Promise<unknown> {
  const registry = () => registryFor(request);
  const args = request.args as never[];
  switch (request.op) {
    case 'create':
    case 'update':
    case 'get':
    case 'list':
    case 'delete':
    case 'addDevices':
    case 'updateDevices':
    case 'removeDevices':
    case 'getTwin':
    case 'updateTwin':
    case 'getRegistryStatistics': {
      const method = registry()[request.op] as (...methodArgs: never[]) => Promise<{ responseBody: unknown }>;
      return plain((await method.apply(registry(), args)).responseBody);
    }
    case 'query': {
      const [sql, pageSize] = request.args as [string, number | undefined];
      const query = registry().createQuery(sql, pageSize);
      const pages: unknown[][] = [];
      // next(), not nextAsTwin(): a COUNT() page holds no twins. The token is passed
      // explicitly because next() without arguments starts over from the first page.
      while (query.hasMoreResults) pages.push(plain((await query.next(query.continuationToken as string)).result) as unknown[]);
      return pages;
    }
    case 'invokeDeviceMethod': {
      const client = Client.fromConnectionString(connectionStringOf(request));
      const [deviceId, params] = request.args as [string, Parameters<typeof client.invokeDeviceMethod>[1]];
      return plain((await client.invokeDeviceMethod(deviceId, params as never)).result);
    }
    case 'getServiceStatistics': {
      const manager = new IoTHubRegistryManager(new IoTHubTokenCredentials(connectionStringOf(request)));
      const { connectedDeviceCount } = await manager.getServiceStatistics();
      return { connectedDeviceCount };
    }
  }
}

function describe(error: unknown): ServiceSdkError {
  const failure = error as Error & { response?: { statusCode?: number }; responseBody?: unknown; statusCode?: number };
  return {
    name: failure.constructor?.name ?? 'Error',
    message: failure.message,
    statusCode: failure.response?.statusCode ?? failure.statusCode,
    responseBody: typeof failure.responseBody === 'string' ? failure.responseBody : undefined,
  };
}

process.on('message', (message: { id: number } & ServiceSdkRequest) => {
  run(message).then(
    (result) => process.send!({ id: message.id, result }),
    (error: unknown) => process.send!({ id: message.id, error: describe(error) }),
  );
});
process.on('disconnect', () => process.exit(0));
