import { describe, expect, it } from 'vitest';
import { runsInCi } from './global-options.js';

describe('runsInCi', () => {
  it('follows the convention ink uses', () => {
    expect(runsInCi({})).toBe(false);
    expect(runsInCi({ CI: 'true' })).toBe(true);
    expect(runsInCi({ CI: '1' })).toBe(true);
    expect(runsInCi({ CI: 'false' })).toBe(false);
    expect(runsInCi({ CI: '0', CI_JOB_ID: '7' })).toBe(false);
    expect(runsInCi({ CI_JOB_ID: '7' })).toBe(true);
    expect(runsInCi({ CONTINUOUS_INTEGRATION: 'yes' })).toBe(true);
  });
});
