import { X509Certificate } from 'node:crypto';
import { InputError } from '../../errors.js';
import type { EmitProgress } from '../../progress/events.js';
import type { FaultInjector } from '../faults.js';
import { OWNER_POLICY, policyConnectionString } from './access-policies.js';
import { DeviceMessages, type DeviceToCloudEvent } from './device-messages.js';
import { sendCloudToDevice } from './device-mqtt/cloud-to-device.js';
import { ConnectionRefusals } from './device-mqtt/connection-refusals.js';
import { DeviceSessions } from './device-mqtt/device-sessions.js';
import type { DeviceSubscription } from './device-mqtt/device-topics.js';
import { DirectMethods } from './device-mqtt/direct-methods.js';
import { startDeviceBroker } from './device-mqtt/start-device-broker.js';
import { desiredUpdate } from './device-mqtt/twin-channel.js';
import { DeviceRegistry } from './device-registry.js';
import type { HubServices } from './hub-services.js';
import { HubStore } from './hub-store.js';
import { deviceView, twinView } from './registry-views.js';
import { refusalRoutes } from './service-api/refusal-routes.js';
import { registryRoutes } from './service-api/registry-routes.js';
import { sandboxRoutes } from './service-api/sandbox-routes.js';
import { startServiceApi } from './service-api/start-service-api.js';
import { twinRoutes } from './service-api/twin-routes.js';
import type { JsonObject } from './twin-document.js';

export const DEFAULT_HUB_PORTS = { https: 443, mqtt: 8883 } as const;

export interface IotHubOptions {
  /** The hub's name, as the Azure resource would have it; shown by `sandbox status`. */
  hubName: string;
  /** A loopback address of the hub's own: its host name in connection strings. */
  host: string;
  /** azure-iothub only ever connects to 443; other ports suit tests that drive the REST API themselves. */
  httpsPort?: number;
  mqttPort?: number;
  /** Where `azure-hub.json` lives; undefined keeps the hub in memory only. */
  stateDir: string | undefined;
  /** A TLS server certificate whose IP SAN is `host`. */
  serverCertificate: { certificatePem: string; privateKeyPem: string };
  /** Service API operations per second, in each of IoT Hub's operation families, before 429 ThrottlingException; unlimited if unset. */
  apiRate?: number;
  /** `azure-refuse` refuses a device's MQTT connection attempt. */
  faults?: FaultInjector;
  onEvent?: EmitProgress;
}

export interface CloudToDeviceOptions {
  messageId?: string;
  correlationId?: string;
  properties?: Record<string, string>;
}

/**
 * A running sandbox hub. Besides its endpoints it offers, in process, what a test or the
 * sandbox needs to see or do without a protocol of its own: the registry as the REST API
 * shows it, the telemetry received, cloud-to-device sends, and CA registration.
 */
export interface IotHub {
  hubName: string;
  hostName: string;
  httpsPort: number;
  mqttPort: number;
  /** The iothubowner connection string. */
  connectionString: string;
  /** The connection string of one of the hub's policies: iothubowner, service, registryRead, registryReadWrite. */
  connectionStringFor(policyName: string): string;
  /** A device as `GET /devices/{id}` returns it, or undefined. */
  getDevice(deviceId: string): JsonObject | undefined;
  /** A twin as `GET /twins/{id}` returns it, or undefined. */
  getTwin(deviceId: string): JsonObject | undefined;
  listDeviceIds(): string[];
  /** Device-to-cloud events received (the last 10,000), oldest first. */
  events(filter?: { deviceId?: string; after?: number }): DeviceToCloudEvent[];
  /** Sends now when the device listens, else queues; throws DeviceNotFound for an unknown device. */
  sendCloudToDevice(deviceId: string, body: Buffer | string, options?: CloudToDeviceOptions): { messageId: string; delivered: boolean };
  /**
   * Uploads a CA certificate, as `azurerm_iothub_certificate` would, verified (proof of
   * possession done) unless told otherwise; devices registered with certificateAuthority
   * authentication may then connect with certificates it issued.
   */
  registerCertificateAuthority(ca: { name: string; certificatePem: string; verified?: boolean }): void;
  /** Connected devices, each with what it listens to (`cloudToDevice`, `methods`, `twinResponses`, `desiredUpdates`). */
  connectedDevices(): Array<{ deviceId: string; subscriptions: DeviceSubscription[] }>;
  /**
   * Refuses these devices' MQTT connections from now on (CONNACK 3, server unavailable),
   * however good their credentials, and drops those connected: the deterministic
   * counterpart of the azure-refuse fault. IDs need not be registered yet.
   */
  refuseDevices(deviceIds: Iterable<string>, reason?: string): void;
  /** Lets refused devices connect again. */
  admitDevices(deviceIds: Iterable<string>): void;
  /** The devices refused by refuseDevices, with their reasons. */
  refusedDevices(): Array<{ deviceId: string; reason: string }>;
  /** Disconnects every device, releases both ports and writes the registry out; safe to call twice. */
  close(): Promise<void>;
}

/** Starts the hub: the service REST API on `host:443` and the device MQTT endpoint on `host:8883`. */
export async function startIotHub(options: IotHubOptions): Promise<IotHub> {
  const now = () => new Date();
  const emit = options.onEvent ?? (() => {});
  const store = await HubStore.open(options.stateDir, options.hubName);
  const hostName = options.host;
  const sessions = new DeviceSessions();
  const messages = new DeviceMessages();
  const methods = new DirectMethods(sessions);
  const registry = new DeviceRegistry(
    store,
    {
      desiredChanged(deviceId, patch, version) {
        const update = desiredUpdate(patch, version);
        sessions.deliver(deviceId, 'desiredUpdates', update.topic, update.payload);
      },
      deviceBarred(deviceId, reason) {
        sessions.disconnect(deviceId);
        if (reason === 'deleted') messages.forget(deviceId);
      },
    },
    now,
  );
  const refusals = new ConnectionRefusals(options.faults, (deviceId) => sessions.disconnect(deviceId));
  const services: HubServices = { registry, messages, sessions, methods, refusals };

  const serviceApi = await startServiceApi({
    host: options.host,
    port: options.httpsPort ?? DEFAULT_HUB_PORTS.https,
    serverCertificate: options.serverCertificate,
    hostName,
    policies: store.policies,
    apiRate: options.apiRate,
    routes: [...registryRoutes(services), ...twinRoutes(services), ...sandboxRoutes(services), ...refusalRoutes(services)],
    now,
  });
  const broker = await startDeviceBroker({
    host: options.host,
    port: options.mqttPort ?? DEFAULT_HUB_PORTS.mqtt,
    serverCertificate: options.serverCertificate,
    hostName,
    registry,
    certificateAuthorities: () => store.certificateAuthorities.values(),
    sessions,
    messages,
    methods,
    refusals,
    now,
    onRefused: (clientId, reason) => emit({ type: 'log', level: 'info', message: `IoT Hub refused device '${clientId}': ${reason}` }),
  }).catch(async (error: unknown) => {
    await serviceApi.close();
    throw error;
  });

  const connectionStringFor = (policyName: string) => {
    const policy = store.policies.find((candidate) => candidate.keyName === policyName);
    if (!policy) throw new RangeError(`the hub has no policy '${policyName}'`);
    return policyConnectionString(hostName, policy);
  };

  let closing: Promise<void> | undefined;
  return {
    hubName: store.hubName,
    hostName,
    httpsPort: serviceApi.port,
    mqttPort: broker.port,
    connectionString: connectionStringFor(OWNER_POLICY),
    connectionStringFor,
    getDevice: (deviceId) => {
      const device = registry.findDevice(deviceId);
      return device && deviceView(device, messages.queuedCount(deviceId));
    },
    getTwin: (deviceId) => {
      const device = registry.findDevice(deviceId);
      return device && twinView(device, messages.queuedCount(deviceId));
    },
    listDeviceIds: () => registry.sortedDevices().map((device) => device.deviceId),
    events: (filter) => messages.listEvents(filter),
    sendCloudToDevice(deviceId, body, sendOptions = {}) {
      registry.getDevice(deviceId);
      const message = DeviceMessages.message(typeof body === 'string' ? Buffer.from(body) : body, sendOptions);
      return { messageId: message.messageId, delivered: sendCloudToDevice(services, deviceId, message) };
    },
    registerCertificateAuthority({ name, certificatePem, verified = true }) {
      let certificate: X509Certificate;
      try {
        certificate = new X509Certificate(certificatePem);
      } catch (error) {
        throw new InputError(`the certificate for CA '${name}' is not a PEM certificate`, { cause: error });
      }
      if (!certificate.ca) throw new InputError(`the certificate for CA '${name}' is not a CA certificate (basicConstraints CA:FALSE)`);
      store.certificateAuthorities.set(name, { name, certificatePem, verified });
      store.changed();
    },
    connectedDevices: () => sessions.connectedDevices(),
    refuseDevices: (deviceIds, reason) => refusals.refuse(deviceIds, reason),
    admitDevices: (deviceIds) => refusals.admit(deviceIds),
    refusedDevices: () => refusals.list(),
    close() {
      closing ??= (async () => {
        methods.cancelAll();
        await Promise.all([serviceApi.close(), broker.close()]);
        await store.flush();
      })();
      return closing;
    },
  };
}
