import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createNdjsonReporter } from './ndjson-reporter.js';

describe('createNdjsonReporter', () => {
  it('writes one event a line with its time', () => {
    const out = new PassThrough();
    createNdjsonReporter(out).emit({ type: 'log', level: 'info', message: 'hello' });
    expect(JSON.parse(String(out.read()))).toMatchObject({ type: 'log', message: 'hello', ts: expect.any(Number) });
  });

  it('stops writing, without failing, once the reader has gone', () => {
    const out = new PassThrough();
    const reporter = createNdjsonReporter(out);
    out.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    reporter.emit({ type: 'log', level: 'info', message: 'nobody reads this' });
    expect(out.read()).toBeNull();
  });
});
