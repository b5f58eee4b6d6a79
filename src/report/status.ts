import { StateStore } from '../state/state-store.js';
import { formatStateCounts, countFleet, type FleetCounts } from './fleet-counts.js';
import { loadPlannedWaves } from './plan-waves.js';
import { waveNamer } from './wave-names.js';

/** What `iotmigrate status` prints; with --json, this object as is. */
export interface FleetStatus extends FleetCounts {
  stateDb: string;
  /** The plan directory whose wave names are used, or null when there was none. */
  planDir: string | null;
  apply: { running: boolean; pid: number | null };
  /** When a device last changed; null for an empty store. */
  lastUpdatedAt: string | null;
}

export interface ReadStatusOptions {
  stateDir: string;
  planDir: string;
  /** The user named the plan directory, so it must be there. */
  planRequired: boolean;
}

/** Reads the store without locking it, so it works while apply runs in another process. */
export async function readStatus(options: ReadStatusOptions): Promise<FleetStatus> {
  const plannedWaves = await loadPlannedWaves(options.planDir, { required: options.planRequired });
  const store = StateStore.openReadOnly(options.stateDir);
  try {
    return await store.readConsistently(() => {
      const pid = store.runningApplyPid() ?? null;
      return {
        stateDb: store.path,
        planDir: plannedWaves ? options.planDir : null,
        apply: { running: pid !== null, pid },
        lastUpdatedAt: store.lastUpdatedAt() ?? null,
        ...countFleet({
          counts: store.countsByState(),
          countsByWave: store.countsByWave(),
          plannedWaves,
          waveName: waveNamer(plannedWaves),
        }),
      };
    });
  } finally {
    store.close();
  }
}

/** Pure: the human view of a status. */
export function formatStatusLines(status: FleetStatus): string[] {
  const lines = [
    `State: ${status.stateDb}${status.lastUpdatedAt ? `, last change ${status.lastUpdatedAt}` : ', no device yet'}`,
    status.apply.running ? `apply: running (pid ${status.apply.pid})` : 'apply: not running',
    `Devices: ${status.devices} — ${formatStateCounts(status.counts)}`,
  ];
  if (status.waves.length === 0) {
    lines.push('Waves: none started yet');
    return lines;
  }
  lines.push(`Waves${status.planDir ? '' : ' (no plan given: named by number)'}:`);
  const nameWidth = Math.max(...status.waves.map((wave) => wave.name.length));
  for (const wave of status.waves) {
    const planned = wave.plannedDevices === null ? '' : ` of ${wave.plannedDevices} planned`;
    const detail = wave.devices > 0 ? ` — ${formatStateCounts(wave.counts)}` : '';
    lines.push(`  ${String(wave.index).padStart(2)} ${wave.name.padEnd(nameWidth)}  ${wave.devices}${planned}${detail}`);
  }
  return lines;
}
