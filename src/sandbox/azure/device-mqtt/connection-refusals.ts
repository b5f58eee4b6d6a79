import type { FaultInjector } from '../../faults.js';

export const DEFAULT_REFUSAL_REASON = 'refused by the sandbox operator';

/**
 * The hub's refusals of devices that would otherwise get in: a deterministic list that a
 * test or an operator keeps (`refuse` / `admit`), and the `azure-refuse` fault drawn per
 * connection attempt. Only devices that pass authentication consult it, so a fault never
 * hides a real refusal and bad credentials do not use up draws.
 */
export class ConnectionRefusals {
  private readonly refused = new Map<string, string>();

  constructor(
    private readonly faults: FaultInjector | undefined,
    /** Drops a device's live connection, so a refusal holds for devices already connected too. */
    private readonly dropConnection: (deviceId: string) => void,
  ) {}

  refuse(deviceIds: Iterable<string>, reason = DEFAULT_REFUSAL_REASON): void {
    for (const deviceId of deviceIds) {
      this.refused.set(deviceId, reason);
      this.dropConnection(deviceId);
    }
  }

  admit(deviceIds: Iterable<string>): void {
    for (const deviceId of deviceIds) this.refused.delete(deviceId);
  }

  /** The refused devices with their reasons, sorted by device ID. */
  list(): Array<{ deviceId: string; reason: string }> {
    return [...this.refused].map(([deviceId, reason]) => ({ deviceId, reason })).sort((a, b) => (a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : 0));
  }

  /** Why this connection attempt of an authenticated device is refused, or undefined when it may connect. */
  refusalOf(deviceId: string): string | undefined {
    const listed = this.refused.get(deviceId);
    if (listed !== undefined) return listed;
    return this.faults?.strikes('azure-refuse') ? 'azure-refuse fault injected' : undefined;
  }
}
