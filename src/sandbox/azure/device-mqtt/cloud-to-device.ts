import type { CloudToDeviceMessage, DeviceMessages } from '../device-messages.js';
import type { DeviceSessions } from './device-sessions.js';
import { cloudToDeviceTopic } from './device-topics.js';

/**
 * Writes a cloud-to-device message to the device if it is listening on
 * `devices/{id}/messages/devicebound/#`, with its properties in the topic as IoT Hub
 * puts them there; false when it is not.
 */
export function deliverCloudToDevice(sessions: DeviceSessions, deviceId: string, message: CloudToDeviceMessage): boolean {
  const properties: Record<string, string> = {
    ...message.properties,
    '$.mid': message.messageId,
    ...(message.correlationId ? { '$.cid': message.correlationId } : {}),
    '$.to': `/devices/${deviceId}/messages/deviceBound`,
  };
  return sessions.deliver(deviceId, 'cloudToDevice', cloudToDeviceTopic(deviceId, properties), message.body);
}

/** Delivers now, or queues for when the device listens (up to IoT Hub's 50 per device); true when delivered. */
export function sendCloudToDevice(hub: { sessions: DeviceSessions; messages: DeviceMessages }, deviceId: string, message: CloudToDeviceMessage): boolean {
  if (deliverCloudToDevice(hub.sessions, deviceId, message)) return true;
  hub.messages.enqueue(deviceId, message);
  return false;
}
