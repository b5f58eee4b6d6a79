import { Box, Static, Text, useStdout } from 'ink';
import { assertNever } from '../../assert-never.js';
import { formatClock, formatDuration, formatRate, percent, progressBar, spinnerAt } from './format.js';
import { currentlyThrottled, etaMs, rolloutPace, throughput, type Bar, type DeviceFailure, type FinishedLine, type TuiState, type WaveLine } from './tui-state.js';
import { perMinuteText, waveCountsText, waveHealthText, waveStatusText } from './wave-text.js';

export interface TuiViewProps {
  state: TuiState;
  now: number;
  /** Whether the keys work at all: not when stdin is not a terminal. */
  keys: boolean;
  help: boolean;
  /** Ctrl-C was pressed once: the command is winding down at its next safe point. */
  stopping: boolean;
  /** The command has a rollout the `p` key can pause (apply, demo). */
  pausable?: boolean;
  /** The rollout is held before its next wave. */
  paused?: boolean;
}

const BAR_CELLS = 24;
const MIN_NAME_WIDTH = 12;
/** Finished counts cannot see each other's names, so they line up on a width most names fit. */
const FINISHED_NAME_WIDTH = 16;

/** A pure picture of the state at `now`: finished lines above in <Static>, the small live area below. */
export function TuiView({ state, now, keys, help, stopping, pausable = false, paused = false }: TuiViewProps) {
  // The key means something once a rollout is in sight; before that, detect and plan have no use for it.
  const showPause = keys && pausable && (paused || state.waves.length > 0 || state.running.some((run) => run.stage === 'rollout'));
  return (
    <>
      <Static items={state.finished}>{(line) => <FinishedLineView key={line.id} line={line} />}</Static>
      {state.summary ? (
        <ClosingArea state={state} summary={state.summary} />
      ) : (
        <Box flexDirection="column" marginTop={1}>
          <Header state={state} now={now} />
          <Waves waves={state.waves} />
          <Bars bars={state.bars} />
          <Pace state={state} now={now} />
          <RolloutPace state={state} paused={paused} />
          <Failures failures={state.failures} />
          {paused ? <Text color="yellow">  ⏸ paused — press p to resume (the running wave goes on; the next one waits)</Text> : null}
          <Footer warnings={state.warnings} keys={keys} stopping={stopping} pause={showPause ? (paused ? 'resume' : 'pause') : undefined} />
          {help && keys ? <Help pausable={pausable} /> : null}
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
    case 'wave':
      return <FinishedWave wave={line.wave} />;
    case 'device':
      return <FailedDevice failure={line.failure} />;
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
  // The stage by its name (identities, bundle, rollout, ...) where it is not the command's own.
  const stage = current && current.stage !== state.command ? current.stage : undefined;
  return (
    <Box justifyContent="space-between">
      <Text wrap="truncate-end">
        <Text color="cyan">{spinnerAt(now)} </Text>
        <Text bold>iotmigrate {state.command}</Text>
        <Text dimColor> │ </Text>
        {stage ? (
          <>
            <Text color="cyan">{stage}</Text>
            <Text dimColor> │ </Text>
          </>
        ) : null}
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

/** One line per wave under way (a running one by its arrow, a paused one says so): its devices by state, how it does against its abort threshold. */
function Waves({ waves }: { waves: WaveLine[] }) {
  const nameWidth = Math.max(0, ...waves.map((wave) => wave.name.length));
  return (
    <>
      {waves.map((wave) => (
        <Text key={wave.wave} wrap="truncate-end">
          {'  '}
          {wave.status === 'paused' ? <Text color="yellow">⏸ {wave.name} paused</Text> : <Text color="cyan">▸ {wave.name.padEnd(nameWidth)}</Text>}{' '}
          {wave.devices === 0 ? (
            // Held before its job exists: nothing of it runs yet.
            <Text dimColor>│ not started</Text>
          ) : (
            <>
              {wave.devices} │ {waveCountsText(wave.counts) || 'starting'}
              <Text dimColor> │ {waveHealthText(wave)}</Text>
            </>
          )}
        </Text>
      ))}
    </>
  );
}

function FinishedWave({ wave }: { wave: WaveLine }) {
  const stopped = wave.status === 'stopped';
  return (
    <Text>
      <Text color={stopped ? 'red' : 'green'}>  {stopped ? '✖' : '✔'} wave {wave.name}</Text> {wave.devices} devices │ {waveCountsText(wave.counts)}
      <Text dimColor> │ {waveHealthText(wave)}</Text>
      {stopped ? <Text color="red"> │ {waveStatusText(wave)}</Text> : null}
    </Text>
  );
}

function FailedDevice({ failure }: { failure: DeviceFailure }) {
  return (
    <Text>
      <Text color={failure.state === 'quarantined' ? 'red' : 'yellow'}>  ✗ {failure.deviceId}</Text>
      <Text dimColor> {failure.state === 'quarantined' ? 'quarantined' : 'rolled back'}: </Text>
      {failure.reason}
    </Text>
  );
}

/** Devices a minute against the AWS rollout cap: when they are close, AWS IoT Jobs sets the pace, not the devices. */
function RolloutPace({ state, paused }: { state: TuiState; paused: boolean }) {
  const pace = rolloutPace(state);
  if (!pace) return null;
  return (
    <Text wrap="truncate-end">
      <Text dimColor>  throughput </Text>
      {Math.round(pace.devicesPerMinute)} devices/min
      {/* While paused the last rate no longer predicts anything. */}
      {pace.etaMs === undefined || paused ? null : (
        <>
          <Text dimColor> · ETA </Text>
          {formatClock(pace.etaMs)}
        </>
      )}
      {pace.capPerMinute === undefined ? null : <Text dimColor> · AWS rollout cap {perMinuteText(pace.capPerMinute)}</Text>}
    </Text>
  );
}

function Failures({ failures }: { failures: TuiState['failures'] }) {
  if (failures.rolledBack + failures.quarantined === 0) return null;
  return (
    <Text color="yellow">
      {'  '}✗ {failures.rolledBack} rolled back · {failures.quarantined} quarantined <Text dimColor>(each above, with its reason)</Text>
    </Text>
  );
}

function Footer({ warnings, keys, stopping, pause }: { warnings: number; keys: boolean; stopping: boolean; pause?: 'pause' | 'resume' }) {
  const hints = [
    ...(warnings > 0 ? [`${warnings} warning${warnings === 1 ? '' : 's'} above`] : []),
    ...(keys && !stopping ? ['? help', ...(pause ? [`p ${pause}`] : []), 'q detach', 'ctrl-c stop'] : []),
  ];
  return (
    <>
      {stopping ? <Text color="yellow">  stopping at the next safe point · ctrl-c again to force</Text> : null}
      {hints.length > 0 ? <Text dimColor>  {hints.join(' · ')}</Text> : null}
    </>
  );
}

function Help({ pausable }: { pausable: boolean }) {
  return (
    <Box flexDirection="column" alignSelf="flex-start" borderStyle="round" borderDimColor paddingX={1}>
      <Text>
        <Text bold>?</Text>       show or hide this help
      </Text>
      {pausable ? (
        <Text>
          <Text bold>p</Text>       pause the rollout before its next wave (the running one goes on); p again resumes
        </Text>
      ) : null}
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
  const ending = summary.exitCode === 130 ? 'interrupted' : summary.exitCode === 4 ? 'finished, some devices not migrated,' : 'failed';
  return (
    <Box flexDirection="column" marginTop={1}>
      <Waves waves={state.waves} />
      <Bars bars={state.bars} final />
      <Text color="red" bold>
        ✖ {state.command} {ending} after {took} (exit {summary.exitCode})
      </Text>
    </Box>
  );
}
