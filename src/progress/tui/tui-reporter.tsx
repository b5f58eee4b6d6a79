import { render, type Instance } from 'ink';
import type { RolloutControl } from '../../apply/apply-stage.js';
import type { ProgressEvent } from '../events.js';
import type { Reporter } from '../reporter.js';
import { createTextReporter } from '../text-reporter.js';
import { TuiApp } from './tui-app.js';
import { initialTuiState, reduceTui, type TuiState } from './tui-state.js';

/** About ink's own frame rate (30 a second): drawing more often is never seen. */
const DRAW_INTERVAL_MS = 30;

export interface TuiReporterOptions {
  /** The command's name, for the header. */
  command: string;
  verbose?: boolean;
  /** Where the view is drawn: stderr, because stdout carries results. */
  err?: NodeJS.WriteStream;
  out?: NodeJS.WritableStream;
  stdin?: NodeJS.ReadStream;
  now?: () => number;
  /** What Ctrl-C does; by default the SIGINT the terminal would have sent outside raw mode. */
  interrupt?: () => void;
  /** The rollout's pause switch, which the `p` key flips; commands without a rollout give none. */
  control?: RolloutControl;
}

/**
 * The live ink view on a terminal. Every event is folded into the state with the pure
 * `reduceTui` and the tree rendered from it (ink throttles the drawing). `q` detaches
 * the view: from then on the same events go to the plain text reporter. `close()`
 * unmounts, which hands the terminal back (raw mode off, stdin released) so the process
 * can exit, and only then prints the result path on stdout, so a terminal shared by
 * both streams never sees it in the middle of a frame.
 */
export function createTuiReporter(options: TuiReporterOptions): Reporter {
  const err = options.err ?? process.stderr;
  const out = options.out ?? process.stdout;
  const now = options.now ?? Date.now;
  const interrupt = options.interrupt ?? (() => process.kill(process.pid, 'SIGINT'));
  let state: TuiState = initialTuiState(options.command, now(), { verbose: options.verbose });
  let detached: Reporter | undefined;
  let closed = false;

  let instance: Instance | undefined;

  const { control } = options;
  const togglePause = control
    ? () => {
        if (control.paused) control.resume();
        else control.pause();
        draw();
      }
    : undefined;
  const app = () => (
    <TuiApp state={state} now={now} onDetach={detach} onInterrupt={interrupt} onTogglePause={togglePause} paused={control?.paused ?? false} />
  );
  // Drawn from the first event on: until then the terminal (stdin in cooked mode, stderr)
  // belongs to the command, which may ask its one confirmation before any work starts.
  const draw = () => {
    if (instance) return instance.rerender(app());
    instance = render(app(), { stdout: err, stderr: err, ...(options.stdin ? { stdin: options.stdin } : {}), exitOnCtrlC: false });
  };

  // Events come by the thousand (every count of detect, every wave change): the state
  // folds each one, but the tree is drawn at most once a frame, so drawing does not take
  // the CPU from the work (and, in demo, from the sandbox in the same process).
  let pendingDraw: NodeJS.Timeout | undefined;
  const drawSoon = () => {
    if (!instance) return draw();
    pendingDraw ??= setTimeout(() => {
      pendingDraw = undefined;
      draw();
    }, DRAW_INTERVAL_MS).unref();
  };
  const cancelDraw = () => {
    clearTimeout(pendingDraw);
    pendingDraw = undefined;
  };

  function detach() {
    // Deferred out of ink's input handler, which must not unmount the tree it runs in.
    setImmediate(() => {
      if (closed || detached) return;
      cancelDraw();
      instance?.unmount();
      err.write('Live view detached: the work goes on, reported as plain lines.\n');
      detached = createTextReporter({ verbose: options.verbose, err, out });
    });
  }

  return {
    emit(event: ProgressEvent) {
      if (detached) return detached.emit(event);
      state = reduceTui(state, event, now());
      drawSoon();
    },
    close() {
      if (closed) return;
      closed = true;
      cancelDraw();
      if (detached) detached.close();
      else if (instance) {
        // The last frame (the closing line) is drawn whole before the view goes.
        draw();
        instance.unmount();
      }
      // A result that came while the view was live is the view's to print; the text reporter prints its own.
      if (state.resultPath !== undefined) out.write(`${state.resultPath}\n`);
    },
  };
}
