import { render } from 'ink-testing-library';
import { createElement } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { detectEnd, detectMidway, planRun, rolloutMidway, type TimedEvent } from './tui-events.fixture.js';
import { createRolloutControl } from '../../apply/rollout-control.js';
import { NO_DEVICES } from '../fleet-summary.js';
import { TuiApp } from './tui-app.js';
import { initialTuiState, reduceTui, type TuiState } from './tui-state.js';
import { TuiView } from './tui-view.js';

const START = 1_000_000;
let unmount: (() => void) | undefined;
afterEach(() => unmount?.());

function fold(command: string, events: TimedEvent[], state: TuiState = initialTuiState(command, START)): TuiState {
  return events.reduce((current, [at, event]) => reduceTui(current, event, START + at), state);
}

function frameOf(state: TuiState, now: number, ui: { help?: boolean; stopping?: boolean; pausable?: boolean; paused?: boolean } = {}): string {
  const view = render(createElement(TuiView, { state, now, keys: true, help: ui.help ?? false, stopping: ui.stopping ?? false, pausable: ui.pausable, paused: ui.paused }));
  unmount = view.unmount;
  return view.lastFrame() ?? '';
}

const sleep = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('TuiView', () => {
  it('draws a detect mid-way: header, bars with rate and ETA, throughput, what is throttled', () => {
    const frame = frameOf(fold('detect', detectMidway), START + 6_000);
    expect(frame).toContain('▸ Reading the AWS IoT estate in us-east-1');
    expect(frame).toMatch(/✔ thing groups +6\/6 · 0\.0 s/);
    expect(frame).toMatch(/iotmigrate detect │ Reading the AWS IoT estate in us-east-1 +0:06/);
    expect(frame).toMatch(/things {8}█{12}░{12} 250\/500 {2}50% {4}50\/s {2}ETA 0:05/);
    expect(frame).toMatch(/shadows {7}█{4}░{20} 100\/500 {2}20% {4}25\/s {2}ETA 0:16/);
    expect(frame).toMatch(/things listed ·{24} 500/);
    expect(frame).toContain('throughput 75/s · done in about 0:16 · slowest: shadows');
    expect(frame).toContain('⏳ paced by throttling: DescribeThing, GetThingShadow');
    expect(frame).toContain('? help · q detach · ctrl-c stop');
    expect(frame).not.toContain('show or hide this help');
  });

  it('drops the throttled line once the cloud stops throttling', () => {
    expect(frameOf(fold('detect', detectMidway), START + 12_000)).not.toContain('throttled');
  });

  it('ends a detect with the finished lines, the warnings, the result once and a closing line', () => {
    const frame = frameOf(fold('detect', [...detectMidway, ...detectEnd]), START + 20_300);
    expect(frame).toMatch(/✔ shadows +500\/500 · 14\.9 s/);
    expect(frame).toMatch(/✔ things listed +500 · 20\.0 s/);
    expect(frame).toMatch(/✔ done in 20\.1 s/);
    expect(frame).toContain('! thermostat-00500 has no certificate attached');
    expect(frame.split('AWS IoT estate (account 123456789012, us-east-1)')).toHaveLength(2);
    expect(frame).toContain('✔ detect finished in 20.2 s');
    expect(frame).not.toContain('█');
    expect(frame).not.toContain('q detach');
  });

  it('wraps a long warning under its own text, within the terminal', () => {
    const message = 'certificate dabc0e03cad5… is REVOKED but attached to air-quality-sensor-00497: that device cannot connect with it today';
    const frame = frameOf(reduceTui(initialTuiState('detect', START), { type: 'warning', code: 'certificate-not-active', message }, START), START);
    expect(frame).toContain('  ! certificate dabc0e03cad5… is REVOKED but attached to air-quality-sensor-00497: that device\n    cannot connect with it today');
    expect(Math.max(...frame.split('\n').map((line) => line.length))).toBeLessThanOrEqual(100);
  });

  it('draws a plan run, which has a stage and logs but no bars', () => {
    const live = frameOf(fold('plan', planRun.slice(0, 2)), START + 900);
    expect(live).toContain('rewriting the firmware in fixtures/firmware-repos/thermostat');
    expect(live).toMatch(/iotmigrate plan │ Planning the Azure side +0:00/);
    expect(live).not.toContain('throughput');
    const done = frameOf(fold('plan', planRun), START + 2_000);
    expect(done).toContain('Azure IoT Hub plan in plan/');
    expect(done).toContain('✔ plan finished in 1.5 s');
  });

  it('leaves the bars where a failed run stopped', () => {
    const failed = fold('detect', [
      ...detectMidway,
      [7_000, { type: 'error', message: 'interrupted by SIGINT', exitCode: 130 }],
      [7_000, { type: 'summary', command: 'detect', durationMs: 7_000, exitCode: 130, ...NO_DEVICES, counts: {} }],
    ]);
    const frame = frameOf(failed, START + 7_100);
    expect(frame).toMatch(/shadows {7}█{4}░{20} 100\/500  20%\n/);
    expect(frame).not.toContain('ETA');
    expect(frame).toContain('✖ detect interrupted after 7.0 s (exit 130)');
  });

  it('shows the keys on ?, and says when it is stopping', () => {
    const state = fold('detect', detectMidway);
    const help = frameOf(state, START + 7_000, { help: true });
    expect(help).toContain('detach the view: the work goes on, reported as plain lines');
    expect(help).not.toMatch(/\bp\b +pause/);
    const stopping = frameOf(state, START + 7_000, { stopping: true });
    expect(stopping).toContain('stopping at the next safe point · ctrl-c again to force');
    expect(stopping).not.toContain('q detach');
  });
});

describe('TuiView, rollout', () => {
  it('draws one line per running wave, the finished canary and the failure above, the pace against the AWS cap', () => {
    const frame = frameOf(fold('apply', rolloutMidway), START + 12_000, { pausable: true });
    expect(frame).toMatch(/iotmigrate apply │ rollout │ Rolling the firmware out wave by wave +0:12/);
    expect(frame).toContain('✔ wave canary 5 devices │ verified 5 │ 100% ok · abort >10%');
    expect(frame).toContain('✗ thermostat-00007 rolled back: IoT Hub not reached within 300 s');
    expect(frame).toMatch(
      /▸ wave-2 10 │ queued 2, downloading 3, on hub 1, verified 3, rolled back 1 │ 75% ok · abort >10%\n/,
    );
    expect(frame).toContain('throughput 60 devices/min · ETA 1:32 · AWS rollout cap 1,000/min');
    expect(frame).toContain('✗ 1 rolled back · 0 quarantined (each above, with its reason)');
    expect(frame).toContain('? help · p pause · q detach · ctrl-c stop');
    expect(frame).not.toContain('paused');
  });

  it('says when the rollout is paused and how to resume, and lists p in the help', () => {
    const frame = frameOf(fold('apply', rolloutMidway), START + 12_000, { pausable: true, paused: true, help: true });
    expect(frame).toContain('⏸ paused — press p to resume');
    expect(frame).toContain('throughput 60 devices/min · AWS rollout cap 1,000/min');
    expect(frame).toContain('? help · p resume · q detach');
    expect(frame).toContain('pause the rollout before its next wave');
  });

  it('shows a wave held before its job exists as not started', () => {
    const held = fold('apply', [
      ...rolloutMidway,
      [
        13_000,
        {
          type: 'wave', wave: 3, name: 'wave-3', status: 'paused', devices: 0, counts: {},
          successPercent: null, abortThresholdPercent: 10, maximumPerMinute: 1000,
        },
      ],
    ]);
    expect(frameOf(held, START + 13_000, { pausable: true, paused: true })).toMatch(/⏸ wave-3 paused │ not started\n/);
  });

  it('offers no p key to a command without a rollout', () => {
    expect(frameOf(fold('detect', detectMidway), START + 6_000, { pausable: true })).not.toContain('p pause');
  });

  it('ends with the waves where they stood when the run failed', () => {
    const state = fold('apply', [...rolloutMidway, [13_000, { type: 'summary', command: 'apply', durationMs: 13_000, exitCode: 130, ...NO_DEVICES, counts: {} }]]);
    const frame = frameOf(state, START + 13_000);
    expect(frame).toContain('▸ wave-2');
    expect(frame).toContain('✖ apply interrupted after 13.0 s (exit 130)');
  });
});

describe('TuiApp', () => {
  it('flips the rollout control with p, and back', async () => {
    const control = createRolloutControl();
    const state = fold('apply', rolloutMidway);
    const props = () => ({ state, now: () => START + 12_000, onDetach: () => {}, onInterrupt: () => {}, onTogglePause, paused: control.paused });
    const onTogglePause = () => {
      if (control.paused) control.resume();
      else control.pause();
      view.rerender(createElement(TuiApp, props()));
    };
    const view = render(createElement(TuiApp, props()));
    unmount = view.unmount;
    await sleep();
    view.stdin.write('p');
    await sleep();
    expect(control.paused).toBe(true);
    expect(view.lastFrame()).toContain('⏸ paused — press p to resume');
    view.stdin.write('p');
    await sleep();
    expect(control.paused).toBe(false);
    expect(view.lastFrame()).not.toContain('paused —');
  });


  it('toggles help with ?, detaches with q and raises an interrupt on ctrl-c', async () => {
    const calls: string[] = [];
    const state = fold('detect', detectMidway);
    const view = render(
      createElement(TuiApp, { state, now: () => START + 7_000, onDetach: () => calls.push('detach'), onInterrupt: () => calls.push('interrupt') }),
    );
    unmount = view.unmount;
    await sleep();
    view.stdin.write('?');
    await sleep();
    expect(view.lastFrame()).toContain('show or hide this help');
    view.stdin.write('?');
    await sleep();
    expect(view.lastFrame()).not.toContain('show or hide this help');
    view.stdin.write('q');
    view.stdin.write('\u0003');
    await sleep();
    expect(calls).toEqual(['detach', 'interrupt']);
    expect(view.lastFrame()).toContain('stopping at the next safe point');
    view.stdin.write('\u0003\u0003');
    await sleep();
    expect(calls).toEqual(['detach', 'interrupt', 'interrupt', 'interrupt']);
  });
});
