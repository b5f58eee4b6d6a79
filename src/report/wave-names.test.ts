import { describe, expect, it } from 'vitest';
import { waveNamer } from './wave-names.js';

describe('waveNamer', () => {
  it('uses the plan names, and retry-N for waves after the planned ones', () => {
    const name = waveNamer([
      { index: 1, name: 'canary' },
      { index: 2, name: 'wave-2' },
      { index: 3, name: 'wave-3' },
    ]);
    expect([1, 2, 3, 4, 5].map(name)).toEqual(['canary', 'wave-2', 'wave-3', 'retry-1', 'retry-2']);
  });

  it('names waves by number without a plan', () => {
    expect(waveNamer(undefined)(4)).toBe('wave-4');
  });
});
