import { describe, expect, it } from 'vitest';
import { parseByteRange } from './byte-range.js';

describe('byte ranges', () => {
  it('reads first-last, open-ended and suffix ranges, clamped to the object', () => {
    expect(parseByteRange('bytes=0-9', 100)).toEqual({ kind: 'partial', start: 0, end: 9 });
    expect(parseByteRange('bytes=90-', 100)).toEqual({ kind: 'partial', start: 90, end: 99 });
    expect(parseByteRange('bytes=90-500', 100)).toEqual({ kind: 'partial', start: 90, end: 99 });
    expect(parseByteRange('bytes=-10', 100)).toEqual({ kind: 'partial', start: 90, end: 99 });
    expect(parseByteRange('bytes=-500', 100)).toEqual({ kind: 'partial', start: 0, end: 99 });
  });

  it('sends the whole object without a readable range, and refuses one past the end', () => {
    expect(parseByteRange(undefined, 10)).toEqual({ kind: 'whole' });
    expect(parseByteRange('bytes=0-1,5-6', 10)).toEqual({ kind: 'whole' });
    expect(parseByteRange('items=0-1', 10)).toEqual({ kind: 'whole' });
    expect(parseByteRange('bytes=10-', 10)).toEqual({ kind: 'unsatisfiable' });
    expect(parseByteRange('bytes=5-2', 10)).toEqual({ kind: 'unsatisfiable' });
    expect(parseByteRange('bytes=-0', 10)).toEqual({ kind: 'unsatisfiable' });
  });
});
