import { TLSSocket } from 'node:tls';
import { Aedes, type Client } from 'aedes';
import { listenMqttOverTls, notAuthorized } from '../../mqtt-tls-listener.js';
import type { EstateStore } from '../estate-store.js';
import { nowEpochSeconds } from '../estate.js';
import { admitDevice } from './device-authentication.js';
import { handleShadowRequest } from './shadow-service.js';
import { isShadowTopic, parseShadowRequestTopic } from './shadow-topics.js';
import { JobRunner } from '../jobs/job-runner.js';
import { publishJobNotifications } from './job-notifications.js';
import { handleJobsRequest } from './jobs-service.js';
import { isJobsTopic, mayReceiveOtherThingsJobs, parseJobsRequestTopic } from './jobs-topics.js';

export interface AwsBrokerOptions {
  store: EstateStore;
  host: string;
  /** 0 picks a free port; the one bound is returned. */
  port: number;
  serverCertificate: { certificatePem: string; privateKeyPem: string };
  /**
   * The Jobs service, shared with the control plane that creates the jobs. Without one
   * the broker runs its own (no S3 behind it) and closes it on close().
   */
  jobs?: JobRunner;
}

export interface AwsBroker {
  port: number;
  /** Disconnects every client and releases the port; safe to call more than once. */
  close(): Promise<void>;
  /** Connected client IDs, for tests and status. */
  connectedClients(): string[];
}

/**
 * The AWS IoT Core data endpoint of the sandbox: an aedes MQTT 3.1.1 broker behind mutual
 * TLS that authenticates devices against the estate's certificates and serves the Device
 * Shadow and Jobs MQTT APIs. Every other topic is plain pub/sub.
 */
export async function startAwsBroker(options: AwsBrokerOptions): Promise<AwsBroker> {
  const { store } = options;
  const clients = new Set<Client>();
  // The thing each connection acts for: its client ID is the thing name or `<thing>-<suffix>`.
  const thingOf = new WeakMap<Client, string>();
  const ownJobs = options.jobs ? undefined : new JobRunner({ store });
  const jobs = options.jobs ?? ownJobs!;
  // Replies go out at QoS 1 and aedes lowers that to each subscription's QoS, as AWS does.
  const publishJson = (topic: string, payload: Record<string, unknown>) =>
    aedes.publish({ cmd: 'publish', topic, payload: Buffer.from(JSON.stringify(payload)), qos: 1, retain: false, dup: false }, () => {});

  const aedes: Aedes = await Aedes.createBroker({
    authenticate(client, _username, _password, done) {
      const certificateDer = client.conn instanceof TLSSocket ? client.conn.getPeerX509Certificate()?.raw : undefined;
      const admission = admitDevice(store, client.id, certificateDer, nowEpochSeconds());
      if ('refusal' in admission) return done(notAuthorized(admission.refusal), false);
      thingOf.set(client, admission.thingName);
      done(null, true);
    },
    authorizePublish(client, packet, callback) {
      if (packet.topic.startsWith('$SYS/')) return callback(new Error('$SYS/ topics are reserved'));
      if (client && isJobsTopic(packet.topic)) {
        const request = parseJobsRequestTopic(packet.topic);
        // As for shadows: a device may only make its own thing's requests; replies and notifications are the service's.
        if (!request || request.thingName !== thingOf.get(client)) return callback(new Error(`not authorized to publish to ${packet.topic}`));
        packet.retain = false;
        const reply = handleJobsRequest(jobs, request, packet.payload);
        publishJson(reply.topic, reply.payload);
        return callback(null);
      }
      if (!client || !isShadowTopic(packet.topic)) return callback(null);
      const request = parseShadowRequestTopic(packet.topic);
      // AWS disconnects a client that publishes outside its policy: a device may only use
      // its own thing's shadow, and the response topics are the shadow service's alone.
      if (!request || request.thingName !== thingOf.get(client)) return callback(new Error(`not authorized to publish to ${packet.topic}`));
      // The shadow service consumes requests; one must never come back as a retained message.
      packet.retain = false;
      // Replies go out at QoS 1 and aedes lowers that to each subscription's QoS, as AWS does.
      for (const reply of handleShadowRequest(store, request, packet.payload, nowEpochSeconds())) publishJson(reply.topic, reply.payload);
      callback(null);
    },
    // Job documents carry presigned URLs: a device may not listen in on another thing's jobs.
    authorizeSubscribe(client, subscription, callback) {
      if (client && mayReceiveOtherThingsJobs(subscription.topic, thingOf.get(client) ?? client.id)) return callback(null, null);
      callback(null, subscription);
    },
    // Shadow and Jobs requests still run through aedes so QoS 1 ones are acknowledged; this
    // keeps them from reaching subscribers as if they were ordinary messages.
    authorizeForward: (_client, packet) => (parseShadowRequestTopic(packet.topic) || parseJobsRequestTopic(packet.topic) ? null : packet),
  });
  publishJobNotifications(jobs, publishJson);
  aedes.on('client', (client) => clients.add(client));
  aedes.on('clientDisconnect', (client) => clients.delete(client));

  const listener = await listenMqttOverTls(aedes, {
    host: options.host,
    port: options.port,
    serverCertificate: options.serverCertificate,
    // aws-crt offers x-amzn-mqtt-ca on every port and fails the handshake unless the
    // server accepts it; other clients offer nothing or mqtt.
    alpnProtocols: ['x-amzn-mqtt-ca', 'mqtt'],
    name: 'AWS IoT MQTT broker',
  }).catch((error: unknown) => {
    ownJobs?.close();
    throw error;
  });

  return {
    port: listener.port,
    connectedClients: () => [...clients].map((client) => client.id).sort(),
    close: () => {
      ownJobs?.close();
      return listener.close();
    },
  };
}
