import type { ProgressEvent } from '../events.js';

/** An event and the moment (ms after the start) it arrives. */
export type TimedEvent = [at: number, event: ProgressEvent];

/** The shape of a real `detect --json` run against a throttled sandbox, cut short mid-way. */
export const detectMidway: TimedEvent[] = [
  [0, { type: 'stage', stage: 'detect', status: 'started', title: 'Reading the AWS IoT estate in us-east-1' }],
  [80, { type: 'progress', stage: 'detect', resource: 'things listed', done: 500 }],
  [100, { type: 'progress', stage: 'detect', resource: 'thing groups', done: 3, total: 6 }],
  [110, { type: 'progress', stage: 'detect', resource: 'thing groups', done: 6, total: 6 }],
  [1_500, { type: 'throttled', stage: 'detect', operation: 'DescribeThing', retryInMs: 12 }],
  [1_600, { type: 'throttled', stage: 'detect', operation: 'GetThingShadow', retryInMs: 15 }],
  [5_000, { type: 'progress', stage: 'detect', resource: 'things', done: 250, total: 500, ratePerSecond: 50 }],
  [5_100, { type: 'progress', stage: 'detect', resource: 'shadows', done: 100, total: 500, ratePerSecond: 25 }],
  [6_000, { type: 'throttled', stage: 'detect', operation: 'GetThingShadow', retryInMs: 9 }],
];

export const detectEnd: TimedEvent[] = [
  [10_000, { type: 'progress', stage: 'detect', resource: 'things', done: 500, total: 500, ratePerSecond: 50 }],
  [20_000, { type: 'progress', stage: 'detect', resource: 'shadows', done: 500, total: 500, ratePerSecond: 25 }],
  [20_050, { type: 'stage', stage: 'detect', status: 'finished' }],
  [
    20_100,
    {
      type: 'warning',
      code: 'thing-without-certificate',
      message: 'thermostat-00500 has no certificate attached',
      subject: 'thermostat-00500',
    },
  ],
  [
    20_150,
    {
      type: 'result',
      command: 'detect',
      path: '/tmp/manifest.json',
      lines: ['AWS IoT estate (account 123456789012, us-east-1)', '  things              500'],
    },
  ],
  [20_200, { type: 'summary', command: 'detect', durationMs: 20_200, exitCode: 0, counts: { things: 500 } }],
];

export const planRun: TimedEvent[] = [
  [0, { type: 'stage', stage: 'plan', status: 'started', title: 'Planning the Azure side' }],
  [10, { type: 'log', level: 'info', message: '  rewriting the firmware in fixtures/firmware-repos/thermostat' }],
  [1_500, { type: 'stage', stage: 'plan', status: 'finished' }],
  [1_510, { type: 'result', command: 'plan', path: 'plan', lines: ['Azure IoT Hub plan in plan/', '  identities   500'] }],
  [1_520, { type: 'summary', command: 'plan', durationMs: 1_520, exitCode: 0, counts: { identities: 500 } }],
];
