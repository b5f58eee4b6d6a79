/**
 * The five device figures every `summary` event carries, so CI reads any command's
 * outcome the same way. Commands that know them say so; apply's are read from the
 * `devices.<state>` counts it returns (where each device of the state store stands)
 * and the `<stage>.failed` counts of its stages.
 */
export interface FleetSummary {
  devices: number;
  verified: number;
  rolledBack: number;
  quarantined: number;
  failed: number;
}

export const NO_DEVICES: FleetSummary = { devices: 0, verified: 0, rolledBack: 0, quarantined: 0, failed: 0 };

export function fleetSummaryOf(counts: Record<string, number>, known: Partial<FleetSummary> = {}): FleetSummary {
  let devices = 0;
  let failed = 0;
  for (const [name, count] of Object.entries(counts)) {
    if (name.startsWith('devices.')) devices += count;
    else if (name.endsWith('.failed')) failed += count;
  }
  return {
    devices,
    verified: counts['devices.verified'] ?? 0,
    rolledBack: counts['devices.rolled-back'] ?? 0,
    quarantined: counts['devices.quarantined'] ?? 0,
    failed,
    ...known,
  };
}
