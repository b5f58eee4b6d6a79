import type { ProgressEvent } from '../events.js';
import { NO_DEVICES } from '../fleet-summary.js';

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
  [20_200, { type: 'summary', command: 'detect', durationMs: 20_200, exitCode: 0, ...NO_DEVICES, counts: { things: 500 } }],
];

export const planRun: TimedEvent[] = [
  [0, { type: 'stage', stage: 'plan', status: 'started', title: 'Planning the Azure side' }],
  [10, { type: 'log', level: 'info', message: '  rewriting the firmware in fixtures/firmware-repos/thermostat' }],
  [1_500, { type: 'stage', stage: 'plan', status: 'finished' }],
  [1_510, { type: 'result', command: 'plan', path: 'plan', lines: ['Azure IoT Hub plan in plan/', '  identities   500'] }],
  [1_520, { type: 'summary', command: 'plan', durationMs: 1_520, exitCode: 0, ...NO_DEVICES, counts: { identities: 500 } }],
];

/** An apply's rollout mid-way: the canary done, wave 2 running, one device rolled back. */
export const rolloutMidway: TimedEvent[] = [
  [0, { type: 'stage', stage: 'rollout', status: 'started', title: 'Rolling the firmware out wave by wave' }],
  [
    100,
    {
      type: 'wave', wave: 1, name: 'canary', status: 'running', jobId: 'iotmigrate-w1', devices: 5,
      counts: { 'job-queued': 5 }, successPercent: null, abortThresholdPercent: 10, maximumPerMinute: 1000,
    },
  ],
  [
    9_000,
    {
      type: 'wave', wave: 1, name: 'canary', status: 'finished', jobId: 'iotmigrate-w1', devices: 5,
      counts: { verified: 5 }, successPercent: 100, abortThresholdPercent: 10, maximumPerMinute: 1000,
    },
  ],
  [
    9_100,
    {
      type: 'wave', wave: 2, name: 'wave-2', status: 'running', jobId: 'iotmigrate-w2', devices: 10,
      counts: { 'job-queued': 2, downloading: 3, 'azure-connected': 1, verified: 3, 'rolled-back': 1 }, successPercent: 75,
      abortThresholdPercent: 10, maximumPerMinute: 1000,
    },
  ],
  [9_200, { type: 'device', deviceId: 'thermostat-00007', state: 'rolled-back', reason: 'IoT Hub not reached within 300 s' }],
  [12_000, { type: 'progress', stage: 'rollout', resource: 'devices', done: 8, total: 100, ratePerSecond: 1 }],
];
