import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeChunks, writeChunksAtomic } from './write-chunks.js';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'iotmigrate-write-chunks-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('writeChunks', () => {
  it('pulls the source only as fast as the stream drains', async () => {
    const written: string[] = [];
    let pulled = 0;
    let pulledAtFirstWrite = -1;
    const slow = new Writable({
      highWaterMark: 1,
      write(chunk: Buffer, _encoding, done) {
        if (pulledAtFirstWrite < 0) pulledAtFirstWrite = pulled;
        written.push(chunk.toString());
        setTimeout(done, 1);
      },
    });
    const row = 'x'.repeat(16 * 1024);
    function* rows() {
      for (let i = 0; i < 40; i += 1) {
        pulled += 1;
        yield row;
      }
    }
    await writeChunks(slow, rows());
    expect(written.join('')).toBe(row.repeat(40));
    // Batches of 64 KiB are 4 rows: the first write happens long before the source is done.
    expect(pulledAtFirstWrite).toBeLessThanOrEqual(4);
  });
});

describe('writeChunksAtomic', () => {
  it('writes the whole file and leaves no temp file', async () => {
    const path = join(dir, 'out', 'report.csv');
    await writeChunksAtomic(path, ['a,b\r\n', '1,2\r\n']);
    expect(readFileSync(path, 'utf8')).toBe('a,b\r\n1,2\r\n');
    expect(readdirSync(join(dir, 'out'))).toEqual(['report.csv']);
  });

  it('keeps the previous file when the source fails half-way', async () => {
    const path = join(dir, 'report.csv');
    writeFileSync(path, 'previous');
    function* failing() {
      yield 'half';
      throw new Error('store went away');
    }
    await expect(writeChunksAtomic(path, failing())).rejects.toThrow('store went away');
    expect(readFileSync(path, 'utf8')).toBe('previous');
    expect(readdirSync(dir)).toEqual(['report.csv']);
  });
});
