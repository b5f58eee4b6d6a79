import { describe, expect, it } from 'vitest';
import { perMinuteText, waveCountsText, waveHealthText, waveStatusText } from './wave-text.js';

describe('wave text', () => {
  it('lists states in the order devices move through them, zeros left out, unknown states by name', () => {
    expect(waveCountsText({ verified: 3, 'job-queued': 2, downloading: 0, 'rolled-back': 1, rebooting: 4 })).toBe(
      'queued 2, verified 3, rolled back 1, rebooting 4',
    );
    expect(waveCountsText({})).toBe('');
  });

  it('states the success against the abort threshold, saying so before any device finished', () => {
    expect(waveHealthText({ successPercent: 87.5, abortThresholdPercent: 10 })).toBe('87% ok · abort >10%');
    expect(waveHealthText({ successPercent: null, abortThresholdPercent: 5 })).toBe('none finished yet · abort >5%');
  });

  it('gives a stopped wave its reason', () => {
    expect(waveStatusText({ status: 'stopped', reason: 'failure rate 20% above 10%' })).toBe('stopped: failure rate 20% above 10%');
    expect(waveStatusText({ status: 'finished' })).toBe('finished');
  });

  it('writes rates a minute with thousands grouped', () => {
    expect(perMinuteText(1000)).toBe('1,000/min');
    expect(perMinuteText(59.6)).toBe('60/min');
  });
});
