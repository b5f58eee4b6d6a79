import type { DeviceMessages } from './device-messages.js';
import type { DeviceRegistry } from './device-registry.js';
import type { ConnectionRefusals } from './device-mqtt/connection-refusals.js';
import type { DeviceSessions } from './device-mqtt/device-sessions.js';
import type { DirectMethods } from './device-mqtt/direct-methods.js';

/** The parts of a running hub that its service API routes work with. */
export interface HubServices {
  registry: DeviceRegistry;
  messages: DeviceMessages;
  sessions: DeviceSessions;
  methods: DirectMethods;
  refusals: ConnectionRefusals;
}
