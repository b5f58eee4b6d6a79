import { describe, expect, it } from 'vitest';
import { formatFleetStatus, summarizeFleet } from './fleet-status.js';

describe('fleet status', () => {
  it('counts devices per cloud and per firmware version', () => {
    const status = summarizeFleet([
      { thingName: 'a', state: 'aws', firmwareVersion: '1.0.0' },
      { thingName: 'b', state: 'aws', firmwareVersion: '1.1.0' },
      { thingName: 'c', state: 'updating', firmwareVersion: '1.0.0' },
      { thingName: 'd', state: 'azure', firmwareVersion: '2.0.0' },
      { thingName: 'e', state: 'offline', firmwareVersion: '2.0.0' },
    ]);
    expect(status).toEqual({ devices: 5, onAws: 2, onAzure: 1, updating: 1, offline: 1, starting: 0, firmwareVersions: { '1.0.0': 2, '1.1.0': 1, '2.0.0': 2 } });
    expect(formatFleetStatus(status)).toBe('fleet: 5 devices, 2 on AWS, 1 on Azure, 1 updating, 1 offline; firmware 1.0.0: 2, 1.1.0: 1, 2.0.0: 2');
  });
});
