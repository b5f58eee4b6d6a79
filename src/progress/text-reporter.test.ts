import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createTextReporter } from './text-reporter.js';

function capture() {
  const err = new PassThrough();
  const out = new PassThrough();
  let text = '';
  err.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { err, out, text: () => text };
}

const wave = (status: 'running' | 'finished', verified: number) => ({
  type: 'wave' as const,
  wave: 1,
  name: 'canary',
  status,
  devices: 5,
  counts: { 'job-queued': 5 - verified, verified },
  successPercent: verified === 0 ? null : 100,
  abortThresholdPercent: 10,
  maximumPerMinute: 1000,
});

describe('createTextReporter', () => {
  it('prints a running wave at most once a second, its end at once, and each failed device', () => {
    const streams = capture();
    const reporter = createTextReporter(streams);
    reporter.emit(wave('running', 0));
    reporter.emit(wave('running', 2));
    reporter.emit(wave('finished', 5));
    reporter.emit({ type: 'device', deviceId: 'thermostat-0007', state: 'rolled-back', reason: 'IoT Hub refused the connection' });
    reporter.close();
    expect(streams.text().split('\n')).toEqual([
      '  wave canary (5 devices): running — job-queued 5',
      '  wave canary (5 devices): finished — verified 5, 100% verified',
      '  ✗ thermostat-0007 rolled-back: IoT Hub refused the connection',
      '',
    ]);
  });

  it('prints a count that did not change only once, however often it is reported', () => {
    const streams = capture();
    const reporter = createTextReporter(streams);
    for (let poll = 0; poll < 5; poll += 1) reporter.emit({ type: 'progress', stage: 'rollout', resource: 'devices', done: 14, total: 60 });
    reporter.emit({ type: 'stage', stage: 'rollout', status: 'finished' });
    reporter.close();
    expect(streams.text().split('\n')).toEqual(['  devices: 14/60', '']);
  });

  it('holds back a count between prints and flushes the last one when its stage ends', () => {
    const streams = capture();
    const reporter = createTextReporter(streams);
    reporter.emit({ type: 'progress', stage: 'detect', resource: 'things', done: 1, total: 10 });
    reporter.emit({ type: 'progress', stage: 'detect', resource: 'things', done: 5, total: 10 });
    reporter.emit({ type: 'stage', stage: 'detect', status: 'finished' });
    reporter.emit({ type: 'progress', stage: 'plan', resource: 'identities', done: 3, total: 3 });
    expect(streams.text().split('\n')).toEqual(['  things: 1/10', '  things: 5/10', '  identities: 3/3', '']);
  });
});
