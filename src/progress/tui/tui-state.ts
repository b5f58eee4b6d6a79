import { assertNever } from '../../assert-never.js';
import type { ProgressEvent, Stage } from '../events.js';

/**
 * What the live view knows, folded from the event stream alone: `reduceTui` is pure,
 * and `at` (epoch ms) is passed in with each event so durations are reproducible in tests.
 * Everything that has finished goes into `finished`, append-only, for ink's <Static>;
 * `running` and `bars` are the small live area.
 */
export interface TuiState {
  command: string;
  startedAt: number;
  verbose: boolean;
  running: RunningStage[];
  /** The stage started last: its end reads as plain "done"; any other stage's end names it. */
  lastStarted?: Stage;
  bars: Bar[];
  /** Operation → when a `throttled` event last named it. */
  throttled: Record<string, ThrottleMark>;
  warnings: number;
  /** Rollout waves still under way (running or paused); finished and stopped ones move to `finished`. */
  waves: WaveLine[];
  /** The AWS IoT Jobs rollout cap of the latest wave: what bounds the rollout's throughput. */
  rolloutCapPerMinute?: number;
  /** Devices that left the happy path so far, by where they ended up. */
  failures: { rolledBack: number; quarantined: number };
  finished: FinishedLine[];
  /** What the command produced; the reporter prints it on stdout once the view is gone. */
  resultPath?: string;
  summary?: { durationMs: number; exitCode: number };
}

export interface RunningStage {
  stage: Stage;
  title: string;
  startedAt: number;
}

export interface Bar {
  key: string;
  stage: Stage;
  resource: string;
  done: number;
  total?: number;
  ratePerSecond?: number;
  startedAt: number;
}

export type WaveLine = Omit<Extract<ProgressEvent, { type: 'wave' }>, 'type'>;
export type DeviceFailure = Omit<Extract<ProgressEvent, { type: 'device' }>, 'type'>;

export interface ThrottleMark {
  stage: Stage;
  lastAt: number;
}

export type FinishedLine =
  | { id: number; kind: 'stage-started'; title: string }
  | { id: number; kind: 'stage-finished'; durationMs: number; title?: string }
  | { id: number; kind: 'bar'; resource: string; done: number; total?: number; durationMs: number }
  | { id: number; kind: 'warning'; message: string }
  | { id: number; kind: 'log'; message: string }
  | { id: number; kind: 'wave'; wave: WaveLine }
  | { id: number; kind: 'device'; failure: DeviceFailure }
  | { id: number; kind: 'result'; lines: string[] };

type WithoutId<Line> = Line extends unknown ? Omit<Line, 'id'> : never;
type NewLine = WithoutId<FinishedLine>;

export function initialTuiState(command: string, at: number, options: { verbose?: boolean } = {}): TuiState {
  return { command, startedAt: at, verbose: options.verbose ?? false, running: [], bars: [], throttled: {}, warnings: 0, waves: [], failures: { rolledBack: 0, quarantined: 0 }, finished: [] };
}

export function reduceTui(state: TuiState, event: ProgressEvent, at: number): TuiState {
  switch (event.type) {
    case 'stage':
      return event.status === 'started' ? startStage(state, event.stage, event.title ?? event.stage, at) : finishStage(state, event.stage, at);
    case 'progress':
      return advanceBar(state, event, at);
    case 'throttled':
      return { ...state, throttled: { ...state.throttled, [event.operation]: { stage: event.stage, lastAt: at } } };
    case 'warning':
      return appendFinished({ ...state, warnings: state.warnings + 1 }, [{ kind: 'warning', message: event.message }]);
    case 'log':
      return event.level === 'info' || state.verbose ? appendFinished(state, [{ kind: 'log', message: event.message }]) : state;
    case 'result':
      return appendFinished(
        { ...state, ...(event.path === undefined ? {} : { resultPath: event.path }) },
        event.lines.length > 0 ? [{ kind: 'result', lines: event.lines }] : [],
      );
    case 'wave':
      return advanceWave(state, event);
    case 'device': {
      const { type: _type, ...failure } = event;
      const failures =
        event.state === 'rolled-back'
          ? { ...state.failures, rolledBack: state.failures.rolledBack + 1 }
          : { ...state.failures, quarantined: state.failures.quarantined + 1 };
      return appendFinished({ ...state, failures }, [{ kind: 'device', failure }]);
    }
    case 'error':
      // The top-level handler prints it once the view is gone; the summary that follows closes the view.
      return state;
    case 'summary':
      return { ...state, summary: { durationMs: event.durationMs, exitCode: event.exitCode } };
    default:
      return assertNever(event);
  }
}

function startStage(state: TuiState, stage: Stage, title: string, at: number): TuiState {
  const running = [...state.running.filter((run) => run.stage !== stage), { stage, title, startedAt: at }];
  return appendFinished({ ...state, running, lastStarted: stage }, [
    { kind: 'stage-started', title },
  ]);
}

/** Bars still open when their stage ends (counts without a total) are final as they stand. */
function finishStage(state: TuiState, stage: Stage, at: number): TuiState {
  const run = state.running.find((candidate) => candidate.stage === stage);
  const closing = state.bars.filter((bar) => bar.stage === stage);
  const throttled = Object.fromEntries(Object.entries(state.throttled).filter(([, mark]) => mark.stage !== stage));
  return appendFinished(
    {
      ...state,
      running: state.running.filter((candidate) => candidate.stage !== stage),
      bars: state.bars.filter((bar) => bar.stage !== stage),
      throttled,
    },
    [
      ...closing.map((bar) => finishedBar(bar, at)),
      ...(run
        ? [{ kind: 'stage-finished' as const, durationMs: at - run.startedAt, ...(stage === state.lastStarted ? {} : { title: run.title }) }]
        : []),
    ],
  );
}

function advanceBar(state: TuiState, event: Extract<ProgressEvent, { type: 'progress' }>, at: number): TuiState {
  const key = `${event.stage}/${event.resource}`;
  const existing = state.bars.find((bar) => bar.key === key);
  const bar: Bar = {
    key,
    stage: event.stage,
    resource: event.resource,
    done: event.done,
    ...(event.total === undefined ? {} : { total: event.total }),
    ...(event.ratePerSecond === undefined ? {} : { ratePerSecond: event.ratePerSecond }),
    startedAt: existing?.startedAt ?? at,
  };
  if (bar.total !== undefined && bar.done >= bar.total) {
    return appendFinished({ ...state, bars: state.bars.filter((other) => other.key !== key) }, [finishedBar(bar, at)]);
  }
  return { ...state, bars: existing ? state.bars.map((other) => (other.key === key ? bar : other)) : [...state.bars, bar] };
}

/** A wave stays live while it runs or is paused; its last event (finished or stopped) moves up for good. */
function advanceWave(state: TuiState, event: Extract<ProgressEvent, { type: 'wave' }>): TuiState {
  const { type: _type, ...wave } = event;
  const others = state.waves.filter((live) => live.wave !== wave.wave);
  const next = { ...state, rolloutCapPerMinute: wave.maximumPerMinute };
  if (wave.status === 'finished' || wave.status === 'stopped') return appendFinished({ ...next, waves: others }, [{ kind: 'wave', wave }]);
  return { ...next, waves: [...others, wave].sort((a, b) => a.wave - b.wave) };
}

function finishedBar(bar: Bar, at: number): NewLine {
  return { kind: 'bar', resource: bar.resource, done: bar.done, ...(bar.total === undefined ? {} : { total: bar.total }), durationMs: at - bar.startedAt };
}

function appendFinished(state: TuiState, lines: NewLine[]): TuiState {
  if (lines.length === 0) return state;
  const firstId = state.finished.length;
  return { ...state, finished: [...state.finished, ...lines.map((line, index) => ({ ...line, id: firstId + index }) as FinishedLine)] };
}

/**
 * The rollout's pace in devices a minute and its ETA, from the live `rollout` counts:
 * set beside the AWS rollout cap, it shows whether AWS IoT Jobs or the devices bound the run.
 */
export function rolloutPace(state: TuiState): { devicesPerMinute: number; etaMs?: number; capPerMinute?: number } | undefined {
  const bars = state.bars.filter((bar) => bar.stage === 'rollout');
  if (bars.length === 0) return undefined;
  const devicesPerMinute = bars.reduce((sum, bar) => sum + (bar.ratePerSecond ?? 0), 0) * 60;
  const etas = bars.map(etaMs).filter((eta): eta is number => eta !== undefined);
  return {
    devicesPerMinute,
    ...(etas.length > 0 ? { etaMs: Math.max(...etas) } : {}),
    ...(state.rolloutCapPerMinute === undefined ? {} : { capPerMinute: state.rolloutCapPerMinute }),
  };
}

/** A `throttled` event counts as current for this long; the producers repeat them at most once a second. */
export const THROTTLE_CURRENT_MS = 5_000;

/** The operations the cloud is throttling right now: they bound the run. Sorted, so the line does not jump about. */
export function currentlyThrottled(state: TuiState, now: number): string[] {
  return Object.entries(state.throttled)
    .filter(([, mark]) => now - mark.lastAt <= THROTTLE_CURRENT_MS)
    .map(([operation]) => operation)
    .sort();
}

export function etaMs(bar: Bar): number | undefined {
  if (bar.total === undefined || !bar.ratePerSecond) return undefined;
  return (Math.max(0, bar.total - bar.done) / bar.ratePerSecond) * 1000;
}

/**
 * Items per second across the live bars, and the bar that will finish last. Readers run
 * side by side, so the whole stage takes as long as its slowest bar.
 */
export function throughput(state: TuiState): { ratePerSecond: number; etaMs?: number; boundBy?: string } {
  let ratePerSecond = 0;
  let slowest: { etaMs: number; resource: string } | undefined;
  // The rollout's counts have a pace line of their own (rolloutPace), in devices a minute.
  for (const bar of state.bars.filter((live) => live.stage !== 'rollout')) {
    ratePerSecond += bar.ratePerSecond ?? 0;
    const eta = etaMs(bar);
    if (eta !== undefined && (slowest === undefined || eta > slowest.etaMs)) slowest = { etaMs: eta, resource: bar.resource };
  }
  return { ratePerSecond, ...(slowest ? { etaMs: slowest.etaMs, boundBy: slowest.resource } : {}) };
}
