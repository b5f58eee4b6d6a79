import type { Registry } from 'azure-iothub';
import { callHub, hubFailure, type HubCallOptions } from '../azure/hub-call.js';
import type { HubView } from './rollout-observation.js';

/**
 * The Azure half of verification: where IoT Hub sees each device (connection state, the
 * firmware version its twin reports), over azure-iothub's Registry query. One query per
 * batch of device IDs (`deviceId IN [...]`), paged by continuation, instead of a twin
 * read per device: IoT Hub meters twin reads and queries separately, and a query costs
 * one call per page of up to 100 devices.
 */
export interface HubDevices {
  /** The devices IoT Hub knows among `deviceIds`; one absent from the map is not registered. */
  read(deviceIds: readonly string[]): Promise<Map<string, HubView>>;
}

const IDS_PER_QUERY = 100;
const PAGE_SIZE = 100;

interface TwinShape {
  deviceId?: string;
  connectionState?: string;
  properties?: { reported?: { firmwareVersion?: unknown } };
}

export function hubDevicesOver(registry: Registry, options: HubCallOptions & { hostName: string }): HubDevices {
  return {
    async read(deviceIds) {
      const found = new Map<string, HubView>();
      for (let start = 0; start < deviceIds.length; start += IDS_PER_QUERY) {
        const query = registry.createQuery(devicesQuery(deviceIds.slice(start, start + IDS_PER_QUERY)), PAGE_SIZE);
        let continuationToken: string | undefined;
        do {
          let page;
          try {
            page = await callHub('twin query', () => (continuationToken ? query.next(continuationToken) : query.next()), options);
          } catch (error) {
            throw hubFailure(error, options.hostName, 'twin query');
          }
          for (const twin of (page.result ?? []) as TwinShape[]) {
            if (typeof twin.deviceId !== 'string') continue;
            const firmwareVersion = twin.properties?.reported?.firmwareVersion;
            found.set(twin.deviceId, { connected: twin.connectionState === 'Connected', firmwareVersion: typeof firmwareVersion === 'string' ? firmwareVersion : null });
          }
          continuationToken = query.hasMoreResults ? query.continuationToken : undefined;
        } while (continuationToken);
      }
      return found;
    },
  };
}

/** `SELECT * FROM devices WHERE deviceId IN ['a', 'b']`, quotes in IDs doubled as the query language escapes them. */
export function devicesQuery(deviceIds: readonly string[]): string {
  return `SELECT * FROM devices WHERE deviceId IN [${deviceIds.map((id) => `'${id.replace(/'/g, "''")}'`).join(', ')}]`;
}
