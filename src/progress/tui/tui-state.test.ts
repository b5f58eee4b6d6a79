import { describe, expect, it } from 'vitest';
import { detectEnd, detectMidway, planRun, rolloutMidway, type TimedEvent } from './tui-events.fixture.js';
import { currentlyThrottled, initialTuiState, reduceTui, rolloutPace, throughput, type TuiState } from './tui-state.js';

const START = 1_000_000;

function fold(command: string, events: TimedEvent[], state: TuiState = initialTuiState(command, START)): TuiState {
  return events.reduce((current, [at, event]) => reduceTui(current, event, START + at), state);
}

describe('reduceTui', () => {
  it('keeps unfinished counts live and moves completed ones to the finished lines', () => {
    const state = fold('detect', detectMidway);
    expect(state.running.map((run) => run.title)).toEqual(['Reading the AWS IoT estate in us-east-1']);
    expect(state.bars.map((bar) => [bar.resource, bar.done, bar.total])).toEqual([
      ['things listed', 500, undefined],
      ['things', 250, 500],
      ['shadows', 100, 500],
    ]);
    expect(state.finished).toEqual([
      { id: 0, kind: 'stage-started', title: 'Reading the AWS IoT estate in us-east-1' },
      { id: 1, kind: 'bar', resource: 'thing groups', done: 6, total: 6, durationMs: 10 },
    ]);
  });

  it('names the slowest count and the throughput across the live ones', () => {
    const pace = throughput(fold('detect', detectMidway));
    expect(pace.ratePerSecond).toBe(75);
    expect(pace.boundBy).toBe('shadows');
    expect(pace.etaMs).toBe(16_000);
  });

  it('reports an operation as throttled only while its throttled events keep coming', () => {
    const state = fold('detect', detectMidway);
    expect(currentlyThrottled(state, START + 6_000)).toEqual(['DescribeThing', 'GetThingShadow']);
    expect(currentlyThrottled(state, START + 9_000)).toEqual(['GetThingShadow']);
    expect(currentlyThrottled(state, START + 12_000)).toEqual([]);
  });

  it('closes the stage: counts without a total become final, warnings and the result are kept once', () => {
    const state = fold('detect', [...detectMidway, ...detectEnd]);
    expect(state.running).toEqual([]);
    expect(state.bars).toEqual([]);
    expect(state.throttled).toEqual({});
    expect(state.warnings).toBe(1);
    expect(state.resultPath).toBe('/tmp/manifest.json');
    expect(state.summary).toEqual({ durationMs: 20_200, exitCode: 0 });
    expect(state.finished.map(({ id: _id, ...line }) => line)).toEqual([
      { kind: 'stage-started', title: 'Reading the AWS IoT estate in us-east-1' },
      { kind: 'bar', resource: 'thing groups', done: 6, total: 6, durationMs: 10 },
      { kind: 'bar', resource: 'things', done: 500, total: 500, durationMs: 5_000 },
      { kind: 'bar', resource: 'shadows', done: 500, total: 500, durationMs: 14_900 },
      { kind: 'bar', resource: 'things listed', done: 500, durationMs: 19_970 },
      { kind: 'stage-finished', durationMs: 20_050 },
      { kind: 'warning', message: 'thermostat-00500 has no certificate attached' },
      { kind: 'result', lines: ['AWS IoT estate (account 123456789012, us-east-1)', '  things              500'] },
    ]);
    expect(state.finished.map((line) => line.id)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('folds a plan run, which has stages and logs but no counts', () => {
    const state = fold('plan', planRun);
    expect(state.finished.map((line) => line.kind)).toEqual(['stage-started', 'log', 'stage-finished', 'result']);
    expect(state.resultPath).toBe('plan');
  });

  it('names a stage that ends after another one started, so nested stages read clearly', () => {
    const state = fold('sandbox up', [
      [0, { type: 'stage', stage: 'sandbox', status: 'started', title: 'Starting the sandbox' }],
      [10, { type: 'stage', stage: 'seed', status: 'started', title: 'Seeding 5 things' }],
      [110, { type: 'stage', stage: 'seed', status: 'finished' }],
      [400, { type: 'stage', stage: 'sandbox', status: 'finished' }],
    ]);
    expect(state.finished.filter((line) => line.kind === 'stage-finished')).toEqual([
      { id: 2, kind: 'stage-finished', durationMs: 100 },
      { id: 3, kind: 'stage-finished', durationMs: 400, title: 'Starting the sandbox' },
    ]);
  });

  it('shows debug logs only when verbose, and leaves errors to the top-level handler', () => {
    const debug = { type: 'log', level: 'debug', message: 'Throttled APIs settled at: DescribeThing 52/s' } as const;
    const error = { type: 'error', message: 'no credentials', exitCode: 3 } as const;
    const quiet = initialTuiState('detect', START);
    expect(reduceTui(reduceTui(quiet, debug, START), error, START)).toBe(quiet);
    const verbose = reduceTui(initialTuiState('detect', START, { verbose: true }), debug, START);
    expect(verbose.finished).toEqual([{ id: 0, kind: 'log', message: debug.message }]);
  });

  it('does not change the state it is given', () => {
    const before = fold('detect', detectMidway);
    const snapshot = structuredClone(before);
    fold('detect', detectEnd, before);
    expect(before).toEqual(snapshot);
  });
});

describe('reduceTui, rollout', () => {
  it('keeps running waves live, moves finished ones and failed devices up, and counts the failures', () => {
    const state = fold('apply', rolloutMidway);
    expect(state.waves.map((wave) => [wave.name, wave.status])).toEqual([['wave-2', 'running']]);
    expect(state.rolloutCapPerMinute).toBe(1000);
    expect(state.failures).toEqual({ rolledBack: 1, quarantined: 0 });
    expect(state.finished.map((line) => line.kind)).toEqual(['stage-started', 'wave', 'device']);
    expect(state.finished[1]).toMatchObject({ kind: 'wave', wave: { name: 'canary', status: 'finished', successPercent: 100 } });
    expect(state.finished[2]).toMatchObject({ kind: 'device', failure: { deviceId: 'thermostat-00007', reason: 'IoT Hub not reached within 300 s' } });
  });

  it('gives the rollout its own pace in devices a minute, with the AWS cap, outside the generic throughput', () => {
    const state = fold('apply', rolloutMidway);
    expect(rolloutPace(state)).toEqual({ devicesPerMinute: 60, etaMs: 92_000, capPerMinute: 1000 });
    expect(throughput(state).ratePerSecond).toBe(0);
    expect(rolloutPace(fold('detect', detectMidway))).toBeUndefined();
  });

  it('takes a stopped wave out of the live area with its reason', () => {
    const state = fold('apply', [
      ...rolloutMidway,
      [
        20_000,
        {
          type: 'wave', wave: 2, name: 'wave-2', status: 'stopped', devices: 10, counts: { verified: 8, 'rolled-back': 2 },
          successPercent: 80, abortThresholdPercent: 10, maximumPerMinute: 1000, reason: '20% failed, above the 10% threshold',
        },
      ],
    ]);
    expect(state.waves).toEqual([]);
    expect(state.finished.at(-1)).toMatchObject({ kind: 'wave', wave: { status: 'stopped', reason: '20% failed, above the 10% threshold' } });
  });
});
