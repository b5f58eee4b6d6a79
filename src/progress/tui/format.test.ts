import { describe, expect, it } from 'vitest';
import { formatClock, formatDuration, formatRate, percent, progressBar, spinnerAt } from './format.js';

describe('format', () => {
  it('reads durations like a clock', () => {
    expect(formatClock(7_400)).toBe('0:07');
    expect(formatClock(760_000)).toBe('12:40');
    expect(formatClock(3_723_000)).toBe('1:02:03');
    expect(formatDuration(19_230)).toBe('19.2 s');
    expect(formatDuration(95_000)).toBe('1:35');
  });

  it('keeps a decimal only for slow rates', () => {
    expect(formatRate(49.6)).toBe('50/s');
    expect(formatRate(2.46)).toBe('2.5/s');
    expect(formatRate(0)).toBe('0/s');
  });

  it('draws a bar that shows any start and fills only when done', () => {
    expect(progressBar(0, 100, 10)).toBe('░░░░░░░░░░');
    expect(progressBar(1, 1000, 10)).toBe('█░░░░░░░░░');
    expect(progressBar(50, 100, 10)).toBe('█████░░░░░');
    expect(progressBar(999, 1000, 10)).toBe('█████████░');
    expect(progressBar(100, 100, 10)).toBe('██████████');
    expect(progressBar(0, 0, 4)).toBe('████');
    expect(percent(499, 500)).toBe('99%');
  });

  it('turns the spinner with the clock', () => {
    expect(spinnerAt(0)).toBe('⠋');
    expect(spinnerAt(150)).toBe('⠙');
    expect(spinnerAt(1_000)).toBe('⠋');
  });
});
