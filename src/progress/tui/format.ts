/** Elapsed time and ETA as a stopwatch reads (whole seconds gone by): 0:07, 12:40, 1:02:03. */
export function formatClock(ms: number): string {
  const totalSeconds = Math.max(0, Math.floor(ms / 1000));
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = String(totalSeconds % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`;
}

/** A finished step's duration: tenths below a minute, where they still mean something. */
export function formatDuration(ms: number): string {
  return ms < 60_000 ? `${(Math.max(0, ms) / 1000).toFixed(1)} s` : formatClock(ms);
}

export function formatRate(perSecond: number): string {
  return perSecond >= 10 || perSecond === 0 ? `${Math.round(perSecond)}/s` : `${perSecond.toFixed(1)}/s`;
}

/** A bar of `width` cells; a started but tiny count still shows one cell, so it is seen to move. */
export function progressBar(done: number, total: number, width: number): string {
  const fraction = total === 0 ? 1 : Math.min(1, done / total);
  const filled = done > 0 && fraction < 1 ? Math.max(1, Math.floor(fraction * width)) : Math.round(fraction * width);
  return '█'.repeat(filled) + '░'.repeat(width - filled);
}

export function percent(done: number, total: number): string {
  return `${total === 0 ? 100 : Math.floor((Math.min(done, total) * 100) / total)}%`;
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
export const SPINNER_FRAME_MS = 100;

/** The spinner frame for a moment in time, so a frame is a pure function of the clock. */
export function spinnerAt(now: number): string {
  return SPINNER[Math.floor(now / SPINNER_FRAME_MS) % SPINNER.length]!;
}
