import { Box, Static, Text, useStdout } from 'ink';
import { assertNever } from '../../assert-never.js';
import { formatClock, formatDuration, formatRate, percent, progressBar, spinnerAt } from './format.js';
import { currentlyThrottled, etaMs, throughput, type Bar, type FinishedLine, type TuiState } from './tui-state.js';

export interface TuiViewProps {
  state: TuiState;
  now: number;
  /** Whether the keys work at all: not when stdin is not a terminal. */
  keys: boolean;
  help: boolean;
  /** Ctrl-C was pressed once: the command is winding down at its next safe point. */
  stopping: boolean;
}

const BAR_CELLS = 24;
const MIN_NAME_WIDTH = 12;
/** Finished counts cannot see each other's names, so they line up on a width most names fit. */
const FINISHED_NAME_WIDTH = 16;

/** A pure picture of the state at `now`: finished lines above in <Static>, the small live area below. */
export function TuiView({ state, now, keys, help, stopping }: TuiViewProps) {
  return (
    <>
      <Static items={state.finished}>{(line) => <FinishedLineView key={line.id} line={line} />}</Static>
      {state.summary ? (
        <ClosingArea state={state} summary={state.summary} />
      ) : (
        <Box flexDirection="column" marginTop={1}>
          <Header state={state} now={now} />
          <Bars bars={state.bars} />
          <Pace state={state} now={now} />
          <Footer warnings={state.warnings} keys={keys} stopping={stopping} />
          {help && keys ? <Help /> : null}
        </Box>
      )}
    </>
  );
}

function FinishedLineView({ line }: { line: FinishedLine }) {
  switch (line.kind) {
    case 'stage-started':
      return <Text bold>▸ {line.title}</Text>;
    case 'stage-finished':
      return (
        <Text>
          <Text color="green">  ✔ {line.title === undefined ? 'done' : `${line.title}: done`}</Text>
          <Text dimColor> in {formatDuration(line.durationMs)}</Text>
        </Text>
      );
    case 'bar':
      return (
        <Text>
          <Text color="green">  ✔ </Text>
          {line.resource.padEnd(FINISHED_NAME_WIDTH)}{' '}
          <Text dimColor>
            {line.total === undefined ? line.done : `${line.done}/${line.total}`} · {formatDuration(line.durationMs)}
          </Text>
        </Text>
      );
    case 'warning':
      return <Warning message={line.message} />;
    case 'log':
      return <Text dimColor>  {line.message.trimStart()}</Text>;
    case 'result':
      return (
        <Box flexDirection="column" marginTop={1}>
          {line.lines.map((text, index) => (
            <Text key={index}>{text}</Text>
          ))}
        </Box>
      );
    default:
      return assertNever(line);
  }
}

/**
 * A hanging indent: a long finding wraps under its own text, not under the margin. <Static>
 * lays its items out unconstrained, so the row is given the terminal's width itself.
 */
function Warning({ message }: { message: string }) {
  const { stdout } = useStdout();
  return (
    <Box paddingLeft={2} width={stdout.columns || undefined}>
      <Box width={2} flexShrink={0}>
        <Text color="yellow">!</Text>
      </Box>
      <Text color="yellow">{message}</Text>
    </Box>
  );
}

function Header({ state, now }: { state: TuiState; now: number }) {
  const current = state.running.at(-1);
  return (
    <Box justifyContent="space-between">
      <Text wrap="truncate-end">
        <Text color="cyan">{spinnerAt(now)} </Text>
        <Text bold>iotmigrate {state.command}</Text>
        <Text dimColor> │ </Text>
        <Text>{current ? current.title : state.finished.length === 0 ? 'starting' : 'working'}</Text>
      </Text>
      <Text dimColor> {formatClock(now - state.startedAt)}</Text>
    </Box>
  );
}

/** `final`: the run is over, so rates and ETAs no longer mean anything. */
function Bars({ bars, final = false }: { bars: Bar[]; final?: boolean }) {
  const nameWidth = Math.max(MIN_NAME_WIDTH, ...bars.map((bar) => bar.resource.length));
  const countWidth = Math.max(0, ...bars.map((bar) => String(bar.total ?? bar.done).length));
  return (
    <>
      {bars.map((bar) => (
        <BarRow key={bar.key} bar={bar} nameWidth={nameWidth} countWidth={countWidth} final={final} />
      ))}
    </>
  );
}

function BarRow({ bar, nameWidth, countWidth, final }: { bar: Bar; nameWidth: number; countWidth: number; final: boolean }) {
  const name = `  ${bar.resource.padEnd(nameWidth)} `;
  const rate = bar.ratePerSecond === undefined || final ? '' : `  ${formatRate(bar.ratePerSecond).padStart(6)}`;
  if (bar.total === undefined) {
    return (
      <Text wrap="truncate-end">
        {name}
        <Text dimColor>{'·'.repeat(BAR_CELLS)}</Text> {String(bar.done).padStart(countWidth)}
        <Text dimColor>{rate}</Text>
      </Text>
    );
  }
  const cells = progressBar(bar.done, bar.total, BAR_CELLS);
  const filled = cells.indexOf('░') === -1 ? cells.length : cells.indexOf('░');
  const eta = final ? undefined : etaMs(bar);
  return (
    <Text wrap="truncate-end">
      {name}
      <Text color="green">{cells.slice(0, filled)}</Text>
      <Text dimColor>{cells.slice(filled)}</Text> {String(bar.done).padStart(countWidth)}/{String(bar.total).padEnd(countWidth)}{' '}
      {percent(bar.done, bar.total).padStart(4)}
      <Text dimColor>
        {rate}
        {eta === undefined ? '' : `  ETA ${formatClock(eta)}`}
      </Text>
    </Text>
  );
}

/** Throughput, when the stage should end, and what sets its pace: the slowest count and any throttled API. */
function Pace({ state, now }: { state: TuiState; now: number }) {
  const pace = throughput(state);
  const throttled = currentlyThrottled(state, now);
  return (
    <>
      {pace.ratePerSecond > 0 ? (
        <Text wrap="truncate-end">
          <Text dimColor>  throughput </Text>
          {formatRate(pace.ratePerSecond)}
          {pace.etaMs === undefined ? null : (
            <>
              <Text dimColor> · done in about </Text>
              {formatClock(pace.etaMs)}
              <Text dimColor> · slowest: {pace.boundBy}</Text>
            </>
          )}
        </Text>
      ) : null}
      {throttled.length > 0 ? (
        <Text wrap="truncate-end">
          <Text color="yellow">  ⏳ paced by throttling: </Text>
          {throttled.join(', ')}
        </Text>
      ) : null}
    </>
  );
}

function Footer({ warnings, keys, stopping }: { warnings: number; keys: boolean; stopping: boolean }) {
  const hints = [
    ...(warnings > 0 ? [`${warnings} warning${warnings === 1 ? '' : 's'} above`] : []),
    ...(keys && !stopping ? ['? help', 'q detach', 'ctrl-c stop'] : []),
  ];
  return (
    <>
      {stopping ? <Text color="yellow">  stopping at the next safe point · ctrl-c again to force</Text> : null}
      {hints.length > 0 ? <Text dimColor>  {hints.join(' · ')}</Text> : null}
    </>
  );
}

function Help() {
  return (
    <Box flexDirection="column" alignSelf="flex-start" borderStyle="round" borderDimColor paddingX={1}>
      <Text>
        <Text bold>?</Text>       show or hide this help
      </Text>
      <Text>
        <Text bold>q</Text>       detach the view: the work goes on, reported as plain lines
      </Text>
      <Text>
        <Text bold>ctrl-c</Text>  stop at the next safe point; press again to force
      </Text>
    </Box>
  );
}

/** The last frame, left on the terminal: how the command ended, and where it stood if it failed. */
function ClosingArea({ state, summary }: { state: TuiState; summary: NonNullable<TuiState['summary']> }) {
  const took = formatDuration(summary.durationMs);
  if (summary.exitCode === 0) {
    return (
      <Box marginTop={1}>
        <Text color="green" bold>
          ✔ {state.command} finished in {took}
        </Text>
      </Box>
    );
  }
  const ending = summary.exitCode === 130 ? 'interrupted' : 'failed';
  return (
    <Box flexDirection="column" marginTop={1}>
      <Bars bars={state.bars} final />
      <Text color="red" bold>
        ✖ {state.command} {ending} after {took} (exit {summary.exitCode})
      </Text>
    </Box>
  );
}
