import { randomUUID } from 'node:crypto';
import { IotHubError } from './iot-hub-error.js';
import { setOwn } from './twin-document.js';

/** A device-to-cloud message as the hub received it, in the shape IoT Hub routes it to Event Hubs. */
export interface DeviceToCloudEvent {
  /** Increases by one per event the hub receives; poll with `after`. */
  sequenceNumber: number;
  deviceId: string;
  enqueuedTimeUtc: string;
  /** IoT Hub's system properties under their Event Hubs names (`message-id`, `content-type`, …). */
  systemProperties: Record<string, string>;
  /** The application properties the device set. */
  properties: Record<string, string>;
  body: Buffer;
}

export interface CloudToDeviceMessage {
  messageId: string;
  correlationId?: string;
  properties: Record<string, string>;
  body: Buffer;
}

// The device SDK's `$.` property keys, and what IoT Hub calls them when it routes the message.
const SYSTEM_PROPERTY_NAMES: Record<string, string> = {
  '$.mid': 'message-id',
  '$.cid': 'correlation-id',
  '$.uid': 'user-id',
  '$.to': 'to',
  '$.ct': 'content-type',
  '$.ce': 'content-encoding',
  '$.exp': 'absolute-expiry-time',
  '$.ifid': 'iothub-interface-id',
  '$.sub': 'dt-subject',
};

/** Kept in memory only: enough for tests and for watching a migration, bounded so a chatty fleet cannot grow it without end. */
const MAX_KEPT_EVENTS = 10_000;
/** IoT Hub keeps at most 50 cloud-to-device messages queued per device. */
const MAX_QUEUED_PER_DEVICE = 50;

/**
 * Device-to-cloud events, kept for reading back (there is no Event Hubs endpoint here),
 * and the cloud-to-device queue of devices that are not listening yet.
 */
export class DeviceMessages {
  private readonly events: DeviceToCloudEvent[] = [];
  private sequence = 0;
  private readonly queues = new Map<string, CloudToDeviceMessage[]>();

  recordTelemetry(deviceId: string, topicProperties: Record<string, string>, body: Buffer, now: Date): DeviceToCloudEvent {
    const systemProperties: Record<string, string> = {};
    const properties: Record<string, string> = {};
    for (const [name, value] of Object.entries(topicProperties)) {
      if (name.startsWith('$.')) setOwn(systemProperties, SYSTEM_PROPERTY_NAMES[name] ?? name, value);
      else setOwn(properties, name, value);
    }
    this.sequence += 1;
    const event: DeviceToCloudEvent = {
      sequenceNumber: this.sequence,
      deviceId,
      enqueuedTimeUtc: now.toISOString(),
      systemProperties: {
        ...systemProperties,
        'iothub-connection-device-id': deviceId,
        'iothub-enqueuedtime': now.toISOString(),
        'iothub-message-source': 'Telemetry',
      },
      properties,
      body,
    };
    this.events.push(event);
    if (this.events.length > MAX_KEPT_EVENTS) this.events.splice(0, this.events.length - MAX_KEPT_EVENTS);
    return event;
  }

  /** Events in the order received, optionally of one device and after a sequence number. */
  listEvents(filter: { deviceId?: string; after?: number } = {}): DeviceToCloudEvent[] {
    return this.events.filter(
      (event) => (filter.deviceId === undefined || event.deviceId === filter.deviceId) && (filter.after === undefined || event.sequenceNumber > filter.after),
    );
  }

  /** A new message, with a message ID when the sender gave none. */
  static message(body: Buffer, options: { messageId?: string; correlationId?: string; properties?: Record<string, string> }): CloudToDeviceMessage {
    return {
      messageId: options.messageId ?? randomUUID(),
      ...(options.correlationId ? { correlationId: options.correlationId } : {}),
      properties: options.properties ?? {},
      body,
    };
  }

  enqueue(deviceId: string, message: CloudToDeviceMessage): void {
    const queue = this.queues.get(deviceId) ?? [];
    if (queue.length >= MAX_QUEUED_PER_DEVICE) {
      throw new IotHubError(403, 'DeviceMaximumQueueDepthExceeded', `Device ${deviceId} already has ${MAX_QUEUED_PER_DEVICE} messages queued`);
    }
    queue.push(message);
    this.queues.set(deviceId, queue);
  }

  /** Takes the device's queued messages, oldest first. */
  takeQueued(deviceId: string): CloudToDeviceMessage[] {
    const queue = this.queues.get(deviceId) ?? [];
    this.queues.delete(deviceId);
    return queue;
  }

  queuedCount(deviceId: string): number {
    return this.queues.get(deviceId)?.length ?? 0;
  }

  /** A deleted device's queue goes with it. */
  forget(deviceId: string): void {
    this.queues.delete(deviceId);
  }
}
