import { describe, expect, it } from 'vitest';
import type { ProgressEvent } from '../progress/events.js';
import { ProgressMeter } from './progress-meter.js';

function meter(total: number | undefined, alreadyDone = 0) {
  let time = 0;
  const events: Extract<ProgressEvent, { type: 'progress' }>[] = [];
  const progress = new ProgressMeter(
    (event) => {
      if (event.type === 'progress') events.push(event);
    },
    'things',
    total,
    alreadyDone,
    () => time,
  );
  return { progress, events, advanceClock: (ms: number) => (time += ms) };
}

describe('ProgressMeter', () => {
  it('reports every item of a small total', () => {
    const { progress, events, advanceClock } = meter(4);
    for (let index = 0; index < 4; index += 1) {
      advanceClock(10);
      progress.advance();
    }
    progress.finish();
    expect(events.map((event) => event.done)).toEqual([1, 2, 3, 4]);
    expect(events.at(-1)).toMatchObject({ stage: 'detect', resource: 'things', total: 4 });
  });

  it('reports a large total once per percent, plus once a second', () => {
    const { progress, events, advanceClock } = meter(10_000);
    for (let index = 0; index < 10_000; index += 1) {
      advanceClock(0.1);
      progress.advance();
    }
    expect(events).toHaveLength(100);
    expect(events.at(-1)!.done).toBe(10_000);
    // A tenth of a millisecond per item: ten thousand per second.
    expect(events.at(-1)!.ratePerSecond).toBeCloseTo(10_000, -2);
  });

  it('reports at least once a second when there is no total', () => {
    const { progress, events, advanceClock } = meter(undefined);
    for (let index = 0; index < 50; index += 1) {
      advanceClock(100);
      progress.advance(250);
    }
    progress.finish();
    expect(events.length).toBeGreaterThanOrEqual(5);
    expect(events.at(-1)).toMatchObject({ done: 12_500 });
    expect(events.at(-1)!.total).toBeUndefined();
  });

  it('starts from what a resumed run already had', () => {
    const { progress, events } = meter(10, 7);
    progress.finish();
    expect(events).toEqual([{ type: 'progress', stage: 'detect', resource: 'things', done: 7, total: 10 }]);
  });
});
