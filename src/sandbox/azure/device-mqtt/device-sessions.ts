import { EventEmitter, once } from 'node:events';
import type { Client } from 'aedes';
import type { DeviceSubscription } from './device-topics.js';

interface Session {
  client: Client;
  /** Granted QoS per subscription kind. */
  subscriptions: Map<DeviceSubscription, 0 | 1>;
}

/**
 * The devices connected to the hub, with what each has subscribed to. The hub talks to
 * one device at a time (a twin response, a method request, a desired update go to that
 * device only), so it writes to the device's own MQTT client rather than publishing
 * through the broker, and only once the device has subscribed, as IoT Hub does.
 */
export class DeviceSessions {
  private readonly sessions = new Map<string, Session>();
  // Every direct method call waiting for its device listens here.
  private readonly reachable = new EventEmitter().setMaxListeners(0);
  attach(client: Client): void {
    this.sessions.set(client.id, { client, subscriptions: new Map() });
  }

  /** Forgets the client; false when a newer connection of the same device had already replaced it. */
  detach(client: Client): boolean {
    if (this.sessions.get(client.id)?.client !== client) return false;
    this.sessions.delete(client.id);
    return true;
  }

  subscribed(client: Client, kind: DeviceSubscription, qos: number): void {
    const session = this.sessions.get(client.id);
    if (session?.client !== client) return;
    session.subscriptions.set(kind, qos === 0 ? 0 : 1);
    this.reachable.emit(`${client.id}\n${kind}`);
  }

  unsubscribed(client: Client, kind: DeviceSubscription): void {
    const session = this.sessions.get(client.id);
    if (session?.client === client) session.subscriptions.delete(kind);
  }

  isReachable(deviceId: string, kind: DeviceSubscription): boolean {
    return this.sessions.get(deviceId)?.subscriptions.has(kind) ?? false;
  }

  /** Waits up to `timeoutMs` for the device to connect and subscribe to `kind`. */
  async waitUntilReachable(deviceId: string, kind: DeviceSubscription, timeoutMs: number): Promise<boolean> {
    if (this.isReachable(deviceId, kind)) return true;
    if (timeoutMs <= 0) return false;
    try {
      await once(this.reachable, `${deviceId}\n${kind}`, { signal: AbortSignal.timeout(timeoutMs) });
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Sends to the device if it is subscribed to `kind`, at the QoS it was granted (never
   * above 1, as IoT Hub); false when it is not reachable that way.
   */
  deliver(deviceId: string, kind: DeviceSubscription, topic: string, payload: Buffer | string): boolean {
    const session = this.sessions.get(deviceId);
    const qos = session?.subscriptions.get(kind);
    if (!session || qos === undefined) return false;
    session.client.publish(
      { cmd: 'publish', topic, payload: typeof payload === 'string' ? Buffer.from(payload) : payload, qos, retain: false, dup: false },
      () => {},
    );
    return true;
  }

  /** Drops the device's connection (it was disabled or deleted). */
  disconnect(deviceId: string): void {
    this.sessions.get(deviceId)?.client.close();
  }

  /** Connected devices in ID order, each with what it has subscribed to. */
  connectedDevices(): Array<{ deviceId: string; subscriptions: DeviceSubscription[] }> {
    return [...this.sessions.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([deviceId, session]) => ({ deviceId, subscriptions: [...session.subscriptions.keys()].sort() }));
  }
}
