import type { WaveLine } from './tui-state.js';

/**
 * The words a wave line is made of, kept apart from ink so they are tested as strings.
 * States appear in the order a device moves through them, so the eye reads a wave left
 * to right as its devices advance; the state machine's long names are shortened to fit
 * a line of 100 columns.
 */
const STATE_ORDER: ReadonlyArray<[state: string, label: string]> = [
  ['pending', 'pending'],
  ['identity-created', 'not queued'],
  ['job-queued', 'queued'],
  ['downloading', 'downloading'],
  ['installed', 'installed'],
  ['azure-connected', 'on hub'],
  ['verified', 'verified'],
  ['rolled-back', 'rolled back'],
  ['quarantined', 'quarantined'],
];

/** "verified 6, on hub 2, downloading 2": the states the wave's devices are in, zeros left out. */
export function waveCountsText(counts: Record<string, number>): string {
  const known = new Set(STATE_ORDER.map(([state]) => state));
  const parts = STATE_ORDER.filter(([state]) => (counts[state] ?? 0) > 0).map(([state, label]) => `${label} ${counts[state]}`);
  // A state this build does not know still shows, under its own name.
  for (const [state, count] of Object.entries(counts)) if (!known.has(state) && count > 0) parts.push(`${state} ${count}`);
  return parts.join(', ');
}

/** "100% ok · abort >10%": how the wave does against the failure rate that would stop the rollout. */
export function waveHealthText(wave: Pick<WaveLine, 'successPercent' | 'abortThresholdPercent'>): string {
  const success = wave.successPercent === null ? 'none finished yet' : `${Math.floor(wave.successPercent)}% ok`;
  return `${success} · abort >${wave.abortThresholdPercent}%`;
}

export function waveStatusText(wave: Pick<WaveLine, 'status' | 'reason'>): string {
  return wave.status === 'stopped' && wave.reason ? `stopped: ${wave.reason}` : wave.status;
}

/** Devices a minute, as the AWS rollout cap is stated: whole numbers, thousands grouped. */
export function perMinuteText(perMinute: number): string {
  return `${Math.round(perMinute).toLocaleString('en-US')}/min`;
}
