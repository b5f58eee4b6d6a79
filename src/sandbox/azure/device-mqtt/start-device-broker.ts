import { X509Certificate } from 'node:crypto';
import { TLSSocket, type DetailedPeerCertificate } from 'node:tls';
import { Aedes, type Client } from 'aedes';
import { listenMqttOverTls, notAuthorized, serverUnavailable, type MqttTlsListener } from '../../mqtt-tls-listener.js';
import type { DeviceMessages } from '../device-messages.js';
import type { DeviceRegistry } from '../device-registry.js';
import type { RegisteredCertificateAuthority } from '../hub-state.js';
import type { ConnectionRefusals } from './connection-refusals.js';
import { deviceConnectRefusal } from './device-authentication.js';
import type { DeviceSessions } from './device-sessions.js';
import { classifySubscription, parseDeviceRequest } from './device-topics.js';
import { deliverCloudToDevice } from './cloud-to-device.js';
import type { DirectMethods } from './direct-methods.js';
import { answerReportedPatch, answerTwinGet } from './twin-channel.js';

export interface DeviceBrokerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  serverCertificate: { certificatePem: string; privateKeyPem: string };
  /** The hub's host name, as device user names and SAS tokens carry it. */
  hostName: string;
  registry: DeviceRegistry;
  certificateAuthorities: () => Iterable<RegisteredCertificateAuthority>;
  sessions: DeviceSessions;
  messages: DeviceMessages;
  methods: DirectMethods;
  /** Devices the hub refuses although their credentials are good (the operator's list, the azure-refuse fault). */
  refusals: ConnectionRefusals;
  now: () => Date;
  /** Told why a device was refused, so the sandbox log can say it. */
  onRefused(clientId: string, reason: string): void;
}

/**
 * IoT Hub's device endpoint: MQTT 3.1.1 over TLS, where devices authenticate with a SAS
 * token or an X.509 certificate, send telemetry, use their twin, answer direct methods
 * and receive cloud-to-device messages. Nothing is relayed between devices: every
 * publish is a request to the hub, and the hub writes its answers to the one device
 * they are for.
 */
export async function startDeviceBroker(options: DeviceBrokerOptions): Promise<MqttTlsListener> {
  const { registry, sessions, messages, methods } = options;

  const deliverQueued = (deviceId: string) => {
    for (const message of messages.takeQueued(deviceId)) {
      if (!deliverCloudToDevice(sessions, deviceId, message)) messages.enqueue(deviceId, message);
    }
  };

  const aedes: Aedes = await Aedes.createBroker({
    authenticate(client, username, password, done) {
      const { certificate, chain } = presentedCertificates(client);
      const refusal = deviceConnectRefusal(
        {
          hostName: options.hostName,
          findDevice: (deviceId) => registry.findDevice(deviceId),
          certificateAuthorities: options.certificateAuthorities(),
          now: options.now(),
        },
        { clientId: client.id, username, password, certificate, presentedChain: chain },
      );
      if (refusal !== undefined) {
        options.onRefused(client.id, refusal);
        return done(notAuthorized(refusal), false);
      }
      const refusedAnyway = options.refusals.refusalOf(client.id);
      if (refusedAnyway === undefined) return done(null, true);
      options.onRefused(client.id, refusedAnyway);
      // "Server unavailable" is what IoT Hub answers a device it will not take in although it
      // proved itself (a disabled one: the C SDK maps it to DEVICE_DISABLED, the Java SDK's
      // MqttServerUnavailableException says so). azure-iot-device takes it for a
      // ServiceUnavailableError and retries with backoff, as firmware would against the real hub.
      done(serverUnavailable(refusedAnyway), false);
    },
    authorizePublish(client, packet, callback) {
      // The hub's own publishes go straight to device clients and never pass here.
      if (!client) return callback(null);
      const request = parseDeviceRequest(packet.topic, client.id);
      // IoT Hub closes the connection of a device that publishes anywhere else.
      if (!request) return callback(new Error(`device ${client.id} may not publish to ${packet.topic}`));
      packet.retain = false;
      // A device deleted while its last packets are in flight has no registry entry left:
      // dropping its connection is what IoT Hub does with it.
      if (!registry.findDevice(client.id)) return callback(new Error(`device ${client.id} is no longer registered`));
      registry.recordActivity(client.id);
      switch (request.kind) {
        case 'telemetry':
          messages.recordTelemetry(client.id, request.properties, packet.payload as Buffer, options.now());
          break;
        case 'twinGet': {
          const reply = answerTwinGet(registry, client.id, request.requestId);
          sessions.deliver(client.id, 'twinResponses', reply.topic, reply.payload);
          break;
        }
        case 'reportedPatch': {
          const reply = answerReportedPatch(registry, client.id, request.requestId, packet.payload as Buffer);
          sessions.deliver(client.id, 'twinResponses', reply.topic, reply.payload);
          break;
        }
        case 'methodResponse':
          methods.responded(client.id, request.requestId, request.status, packet.payload as Buffer);
          break;
      }
      callback(null);
    },
    authorizeSubscribe(client, subscription, callback) {
      if (!classifySubscription(subscription.topic, client.id)) {
        return callback(new Error(`device ${client.id} may not subscribe to ${subscription.topic}`), null);
      }
      // IoT Hub grants QoS 2 subscriptions as QoS 1.
      callback(null, { ...subscription, qos: subscription.qos > 1 ? 1 : subscription.qos });
    },
    // Only the hub's answers reach a device, and only the device they are addressed to.
    authorizeForward: (client, packet) => (isHubTopicFor(packet.topic, client.id) ? packet : null),
  });

  aedes.on('client', (client) => {
    sessions.attach(client);
    for (const [topic, { qos }] of Object.entries(restoredSubscriptions(client))) {
      const kind = classifySubscription(topic, client.id);
      if (kind) sessions.subscribed(client, kind, qos);
    }
    registry.markConnected(client.id);
    deliverQueued(client.id);
  });
  aedes.on('clientDisconnect', (client) => {
    if (!sessions.detach(client)) return;
    registry.markDisconnected(client.id);
    methods.deviceGone(client.id);
  });
  aedes.on('subscribe', (subscriptions, client) => {
    for (const { topic, qos } of subscriptions) {
      const kind = classifySubscription(topic, client.id);
      // 128 is a refused subscription.
      if (kind && (qos as number) !== 128) sessions.subscribed(client, kind, qos);
      if (kind === 'cloudToDevice') deliverQueued(client.id);
    }
  });
  aedes.on('unsubscribe', (topics, client) => {
    for (const topic of topics) {
      const kind = classifySubscription(topic, client.id);
      if (kind) sessions.unsubscribed(client, kind);
    }
  });

  return listenMqttOverTls(aedes, {
    host: options.host,
    port: options.port,
    serverCertificate: options.serverCertificate,
    name: 'IoT Hub device endpoint (MQTT)',
  });
}

function isHubTopicFor(topic: string, deviceId: string): boolean {
  return (
    topic.startsWith('$iothub/twin/res/') ||
    topic.startsWith('$iothub/twin/PATCH/properties/desired/') ||
    topic.startsWith('$iothub/methods/POST/') ||
    topic.startsWith(`devices/${deviceId}/messages/devicebound/`)
  );
}

/**
 * What a persistent session (`clean: false`, as the SDK connects) subscribed to before:
 * aedes restores it on connect without a 'subscribe' event, and keeps it, untyped, on
 * the client.
 */
function restoredSubscriptions(client: Client): Record<string, { qos: number }> {
  return (client as Client & { subscriptions?: Record<string, { qos: number }> }).subscriptions ?? {};
}

/** The client certificate and the chain the device sent with it, if it sent one. */
function presentedCertificates(client: Client): { certificate: X509Certificate | undefined; chain: X509Certificate[] } {
  if (!(client.conn instanceof TLSSocket)) return { certificate: undefined, chain: [] };
  const peer = client.conn.getPeerCertificate(true);
  if (!peer.raw) return { certificate: undefined, chain: [] };
  const chain: X509Certificate[] = [];
  const seen = new Set<string>([peer.fingerprint256]);
  let next: DetailedPeerCertificate | undefined = peer.issuerCertificate;
  while (next?.raw && !seen.has(next.fingerprint256)) {
    seen.add(next.fingerprint256);
    chain.push(new X509Certificate(next.raw));
    next = next.issuerCertificate;
  }
  return { certificate: new X509Certificate(peer.raw), chain };
}
