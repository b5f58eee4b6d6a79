import { appendFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../errors.js';
import { DetectCheckpoint, type ResumeMode, type SourceIdentity } from './detect-checkpoint.js';

interface Lists {
  things: string;
}
interface Items {
  thing: { thingName: string; version: number } | null;
}

const SOURCE: SourceIdentity = { region: 'us-east-1', controlEndpoint: 'http://127.0.0.2:4566' };
let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'detect-checkpoint-'));
  file = join(dir, '.manifest.json.checkpoint.json');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const openCheckpoint = (resume: ResumeMode, source = SOURCE) =>
  DetectCheckpoint.open<Lists, Items>({ file, source, resume });

async function writeSomeProgress(): Promise<void> {
  const checkpoint = await openCheckpoint('never');
  checkpoint.startList('things');
  checkpoint.recordPage('things', ['a', 'b']);
  checkpoint.recordPage('things', ['c']);
  checkpoint.finishList('things');
  checkpoint.recordResult('thing', 'a', { thingName: 'a', version: 1 });
  checkpoint.recordResult('thing', 'b', null);
  await checkpoint.close();
}

describe('DetectCheckpoint', () => {
  it('gives back what an earlier run recorded, for the same source', async () => {
    await writeSomeProgress();
    const resumed = await openCheckpoint('auto');
    expect(resumed.resumed).toMatchObject({ records: 6 });
    expect(resumed.listed('things')).toEqual(['a', 'b', 'c']);
    expect(resumed.has('thing', 'a')).toBe(true);
    expect(resumed.has('thing', 'c')).toBe(false);
    expect([...resumed.resultsOf('thing')]).toEqual([
      ['a', { thingName: 'a', version: 1 }],
      ['b', null],
    ]);
    await resumed.close();
  });

  it('counts a list only once it was finished, and forgets an unfinished attempt', async () => {
    const first = await openCheckpoint('never');
    first.startList('things');
    first.recordPage('things', ['a', 'b']);
    await first.close();
    const second = await openCheckpoint('auto');
    expect(second.listed('things')).toBeUndefined();
    second.startList('things');
    second.recordPage('things', ['a', 'b', 'c']);
    second.finishList('things');
    await second.close();
    const third = await openCheckpoint('auto');
    expect(third.listed('things')).toEqual(['a', 'b', 'c']);
    await third.close();
  });

  it('cuts off a torn last line and keeps appending whole lines after it', async () => {
    await writeSomeProgress();
    await appendFile(file, '{"kind":"item","op":"thing","key":"c","val');
    const resumed = await openCheckpoint('auto');
    expect(resumed.has('thing', 'c')).toBe(false);
    resumed.recordResult('thing', 'c', { thingName: 'c', version: 3 });
    await resumed.close();
    const again = await openCheckpoint('auto');
    expect(again.resultsOf('thing').get('c')).toEqual({ thingName: 'c', version: 3 });
    expect(again.resultsOf('thing').size).toBe(3);
    await again.close();
  });

  it('drops a last record that lacks its newline, even if it parses', async () => {
    await writeSomeProgress();
    await appendFile(file, JSON.stringify({ kind: 'item', op: 'thing', key: 'c', value: null }));
    const resumed = await openCheckpoint('auto');
    expect(resumed.has('thing', 'c')).toBe(false);
    await resumed.close();
  });

  it('starts over with resume "auto" when the checkpoint is for another source, and says why', async () => {
    await writeSomeProgress();
    const other = await openCheckpoint('auto', { region: 'eu-west-1', controlEndpoint: null });
    expect(other.resumed).toBeUndefined();
    expect(other.discarded?.reason).toContain('was made for us-east-1 at http://127.0.0.2:4566, not eu-west-1 at the default AWS endpoint');
    expect(other.listed('things')).toBeUndefined();
    await other.close();
  });

  it('refuses with resume "always" when there is nothing matching to resume', async () => {
    await expect(openCheckpoint('always')).rejects.toThrow(UsageError);
    await writeSomeProgress();
    await expect(openCheckpoint('always', { region: 'eu-west-1', controlEndpoint: null })).rejects.toThrow(/was made for us-east-1/);
    await writeFile(file, 'not a checkpoint\n');
    await expect(openCheckpoint('always')).rejects.toThrow(/is not a detect checkpoint/);
  });

  it('starts quietly with resume "auto" when there is no checkpoint', async () => {
    const fresh = await openCheckpoint('auto');
    expect(fresh.resumed).toBeUndefined();
    expect(fresh.discarded).toBeUndefined();
    await fresh.close();
  });

  it('ignores and overwrites an existing checkpoint with resume "never"', async () => {
    await writeSomeProgress();
    const fresh = await openCheckpoint('never');
    expect(fresh.resumed).toBeUndefined();
    expect(fresh.has('thing', 'a')).toBe(false);
    await fresh.close();
    expect((await readFile(file, 'utf8')).trim().split('\n')).toHaveLength(1);
  });

  it('flushes on its own at least every two seconds', async () => {
    const checkpoint = await openCheckpoint('never');
    const before = (await stat(file)).size;
    checkpoint.recordResult('thing', 'a', null);
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    expect((await stat(file)).size).toBeGreaterThan(before);
    await checkpoint.close();
  });

  it('is deleted by remove()', async () => {
    const checkpoint = await openCheckpoint('never');
    await checkpoint.remove();
    await expect(stat(file)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
