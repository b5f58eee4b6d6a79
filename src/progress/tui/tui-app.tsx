import { useInput, useStdin } from 'ink';
import { useEffect, useState } from 'react';
import { SPINNER_FRAME_MS } from './format.js';
import type { TuiState } from './tui-state.js';
import { TuiView } from './tui-view.js';

export interface TuiAppProps {
  state: TuiState;
  now: () => number;
  onDetach: () => void;
  /** Ctrl-C: raw mode swallows the terminal's SIGINT, so the app has to raise it. */
  onInterrupt: () => void;
  /** The `p` key, for a command with a rollout to pause; without it `p` does nothing. */
  onTogglePause?: () => void;
  paused?: boolean;
}

/** The view plus what only a live terminal has: a ticking clock and the keys. */
export function TuiApp({ state, now, onDetach, onInterrupt, onTogglePause, paused = false }: TuiAppProps) {
  // ink takes this from `stdin.isTTY`, which is undefined, not false, on a pipe or /dev/null.
  const keys = useStdin().isRawModeSupported === true;
  const time = useClock(now, state.summary === undefined);
  const [help, setHelp] = useState(false);
  const [stopping, setStopping] = useState(false);

  useInput(
    (input, key) => {
      // Two quick presses can arrive as one chunk ("\x03\x03"), which ink passes on unparsed;
      // each must count, or the second press (force) is lost.
      const interrupts = key.ctrl && input === 'c' ? 1 : [...input].filter((char) => char === '\u0003').length;
      if (interrupts > 0) {
        setStopping(true);
        for (let press = 0; press < interrupts; press++) onInterrupt();
      } else if (input === '?') setHelp((shown) => !shown);
      else if (input === 'q') onDetach();
      else if (input === 'p') onTogglePause?.();
    },
    { isActive: keys },
  );

  return <TuiView state={state} now={time} keys={keys} help={help} stopping={stopping} pausable={onTogglePause !== undefined} paused={paused} />;
}

/** Re-reads the clock every spinner frame while the run is live; the timer never holds the process open. */
function useClock(now: () => number, live: boolean): number {
  const [time, setTime] = useState(now);
  useEffect(() => {
    if (!live) return;
    const timer = setInterval(() => setTime(now()), SPINNER_FRAME_MS);
    timer.unref();
    return () => clearInterval(timer);
  }, [now, live]);
  return time;
}
