import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { FaultInjector, NO_FAULTS } from '../../faults.js';
import { applyDownloadFault, drawDownloadFault } from './download-faults.js';

const body = Buffer.from(Array.from({ length: 10_000 }, (_, index) => index % 256));
const chunked = () => Readable.from([body.subarray(0, 3_000), body.subarray(3_000, 7_000), body.subarray(7_000)]);

describe('drawDownloadFault', () => {
  it('draws nothing without faults or for an empty body, and the same fault for the same seed', () => {
    expect(drawDownloadFault(new FaultInjector(NO_FAULTS, 1), body.length)).toBeUndefined();
    const rates = { ...NO_FAULTS, 'download-drop': 1, 'bundle-corrupt': 1 };
    expect(drawDownloadFault(new FaultInjector(rates, 1), 0)).toBeUndefined();
    const faults = Array.from({ length: 20 }, () => drawDownloadFault(new FaultInjector(rates, 4), body.length));
    expect(new Set(faults.map((fault) => JSON.stringify(fault))).size).toBe(1);
    const fault = faults[0]!;
    expect(fault.dropAfter).toBeLessThan(body.length);
    expect(fault.corruptOffsets.length).toBeGreaterThan(0);
    expect(new Set(fault.corruptOffsets).size).toBe(fault.corruptOffsets.length);
  });
});

describe('applyDownloadFault', () => {
  it('inverts exactly the chosen bytes across chunk boundaries, keeping the length', async () => {
    const out = await buffer(chunked().pipe(applyDownloadFault({ corruptOffsets: [0, 2_999, 3_000, 9_999], dropAfter: undefined })));
    expect(out.length).toBe(body.length);
    const changed = [...out.keys()].filter((index) => out[index] !== body[index]);
    expect(changed).toEqual([0, 2_999, 3_000, 9_999]);
    expect(out[3_000]).toBe(body[3_000]! ^ 0xff);
    // The source buffers are left as they were.
    expect(body[0]).toBe(0);
  });

  it('passes exactly the bytes before the cut', async () => {
    const out = await buffer(chunked().pipe(applyDownloadFault({ corruptOffsets: [], dropAfter: 5_000 })));
    expect(out).toEqual(body.subarray(0, 5_000));
    expect(await buffer(chunked().pipe(applyDownloadFault({ corruptOffsets: [], dropAfter: 0 })))).toHaveLength(0);
  });
});
