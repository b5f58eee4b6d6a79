import type { DeviceEvent } from '../state/device-state.js';
import type { StateStore } from '../state/state-store.js';

/**
 * The ways a device's migration can go, as the identities and rollout stages record
 * them, for tests that need a state store with every outcome in it.
 */
const identity: DeviceEvent = { type: 'identity-ensured', outcome: 'created', digest: 'digest' };
const queued = (wave: number): DeviceEvent => ({ type: 'job-queued', jobId: `iotmigrate-wave-${wave}`, wave, firmwareBefore: '1.4.2' });

export const deviceStories = {
  identityFailed: (reason: string): DeviceEvent[] => [{ type: 'identity-failed', reason }],
  identityCreated: (): DeviceEvent[] => [identity],
  downloading: (wave: number): DeviceEvent[] => [identity, queued(wave), { type: 'progressed', to: 'downloading' }],
  verified: (wave: number): DeviceEvent[] => [
    identity,
    queued(wave),
    { type: 'progressed', to: 'downloading' },
    { type: 'progressed', to: 'installed' },
    { type: 'progressed', to: 'azure-connected' },
    { type: 'verified', firmwareAfter: '2.0.0-azure' },
  ],
  rolledBack: (wave: number, reason: string): DeviceEvent[] => [identity, queued(wave), { type: 'progressed', to: 'downloading' }, { type: 'rolled-back', reason }],
  verifiedOnRetry: (wave: number, retryWave: number): DeviceEvent[] => [
    identity,
    queued(wave),
    { type: 'rolled-back', reason: 'IoT Hub not reached within 300 s' },
    queued(retryWave),
    { type: 'progressed', to: 'azure-connected' },
    { type: 'verified', firmwareAfter: '2.0.0-azure' },
  ],
  quarantined: (wave: number, retryWave: number, reason: string): DeviceEvent[] => [
    identity,
    queued(wave),
    { type: 'rolled-back', reason },
    queued(retryWave),
    { type: 'rolled-back', reason },
    { type: 'quarantined', reason: `out of retry waves: ${reason}` },
  ],
};

/** Enrols the devices and records their events, one event per device per batch, as stages interleave them. */
export function playDeviceStories(store: StateStore, stories: ReadonlyMap<string, readonly DeviceEvent[]>): void {
  store.enrol(stories.keys());
  const longest = Math.max(0, ...[...stories.values()].map((events) => events.length));
  for (let step = 0; step < longest; step += 1) {
    const changes = [...stories].flatMap(([deviceId, events]) => (events[step] ? [{ deviceId, event: events[step]! }] : []));
    store.record(changes);
  }
}
