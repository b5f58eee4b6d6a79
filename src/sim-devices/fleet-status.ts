/**
 * Where each simulated device is, and the fleet's counts of it: what `sandbox status`
 * prints and what tests wait on.
 */
export type DeviceState = 'starting' | 'aws' | 'updating' | 'azure' | 'offline' | 'stopped';

export interface DeviceStatus {
  thingName: string;
  state: DeviceState;
  firmwareVersion: string;
}

export interface FleetStatus {
  devices: number;
  onAws: number;
  onAzure: number;
  updating: number;
  offline: number;
  starting: number;
  /** Devices per firmware version running now. */
  firmwareVersions: Record<string, number>;
}

export function summarizeFleet(devices: Iterable<DeviceStatus>): FleetStatus {
  const status: FleetStatus = { devices: 0, onAws: 0, onAzure: 0, updating: 0, offline: 0, starting: 0, firmwareVersions: {} };
  for (const device of devices) {
    status.devices += 1;
    if (device.state === 'aws') status.onAws += 1;
    else if (device.state === 'azure') status.onAzure += 1;
    else if (device.state === 'updating') status.updating += 1;
    else if (device.state === 'offline') status.offline += 1;
    else if (device.state === 'starting') status.starting += 1;
    status.firmwareVersions[device.firmwareVersion] = (status.firmwareVersions[device.firmwareVersion] ?? 0) + 1;
  }
  return status;
}

export function formatFleetStatus(status: FleetStatus): string {
  const versions = Object.entries(status.firmwareVersions)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([version, count]) => `${version}: ${count}`)
    .join(', ');
  return (
    `fleet: ${status.devices} devices, ${status.onAws} on AWS, ${status.onAzure} on Azure, ${status.updating} updating` +
    `${status.offline ? `, ${status.offline} offline` : ''}${status.starting ? `, ${status.starting} starting` : ''}; firmware ${versions || 'none'}`
  );
}
