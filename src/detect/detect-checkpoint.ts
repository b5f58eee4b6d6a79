import { createReadStream } from 'node:fs';
import { open, rm, stat, truncate, type FileHandle } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { UsageError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic-write.js';

/**
 * What detect has read so far, kept on disk so a killed or interrupted run continues
 * where it stopped: listing a large fleet's per-thing APIs at AWS's TPS quotas takes hours.
 *
 * The file is a journal: a header line (format, version, which AWS source it is for),
 * then one JSON record per line, appended in batches at least every FLUSH_INTERVAL_MS
 * and at the end of every phase. Appending keeps the cost of a flush proportional to what
 * is new, where rewriting the whole state every two seconds would not scale past a few
 * thousand things. A batch is one write of whole lines; if a kill cuts one short, the
 * torn tail does not parse (or lacks its newline) and is cut off on load, so every record
 * that is read back was written whole.
 *
 * Records: `list-start` / `page` / `listed` for a list phase (pages of a list count only
 * once its `listed` arrives; a `list-start` forgets pages of an earlier, unfinished
 * attempt), and `item` for one per-item result (the last one for a key wins).
 */
export type ResumeMode = 'auto' | 'always' | 'never';

export interface SourceIdentity {
  region: string;
  /** The control-plane endpoint override, or null for AWS's default endpoint. */
  controlEndpoint: string | null;
}

export const FLUSH_INTERVAL_MS = 1_000;
const FORMAT = 'iotmigrate-detect-checkpoint';
const VERSION = 1;

interface Header {
  format: typeof FORMAT;
  version: typeof VERSION;
  source: SourceIdentity;
  startedAt: string;
}

type JournalRecord =
  | { kind: 'list-start'; list: string }
  | { kind: 'page'; list: string; items: unknown[] }
  | { kind: 'listed'; list: string }
  | { kind: 'item'; op: string; key: string; value: unknown };

/** Why a checkpoint that exists was not resumed (only with resume 'auto'). */
export interface CheckpointDiscarded {
  reason: string;
}

export interface CheckpointOpenOptions {
  file: string;
  source: SourceIdentity;
  resume: ResumeMode;
  now?: () => Date;
}

type Key<T> = keyof T & string;

export class DetectCheckpoint<Lists extends object, Items extends object> {
  private readonly pages = new Map<string, unknown[]>();
  private readonly listedNames = new Set<string>();
  private readonly results = new Map<string, Map<string, unknown>>();
  private buffer: string[] = [];
  private writing: Promise<void> = Promise.resolve();
  private failure: { error: unknown } | undefined;
  private readonly timer: NodeJS.Timeout;
  private closed = false;

  private constructor(
    readonly file: string,
    private readonly handle: FileHandle,
    /** When this run continues an earlier one: when that one started and how much it read. */
    readonly resumed: { startedAt: string; records: number } | undefined,
    /** Set when resume was 'auto' and a checkpoint was there but could not be used. */
    readonly discarded: CheckpointDiscarded | undefined,
    records: JournalRecord[],
  ) {
    for (const record of records) this.apply(record);
    for (const list of this.pages.keys()) if (!this.listedNames.has(list)) this.pages.delete(list);
    this.timer = setInterval(() => void this.flush().catch(() => {}), FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  static async open<Lists extends object, Items extends object>(
    options: CheckpointOpenOptions,
  ): Promise<DetectCheckpoint<Lists, Items>> {
    const { file, source, resume } = options;
    let discarded: CheckpointDiscarded | undefined;
    if (resume !== 'never') {
      const journal = await readJournal(file);
      const refuse = (reason: string) => {
        if (resume === 'always') {
          throw new UsageError(`cannot resume detect: ${reason}`, {
            hint: 'run detect without --resume to read the estate from the start',
          });
        }
        discarded = { reason };
      };
      if (journal.kind === 'ok' && sameSource(journal.header.source, source)) {
        // Cut off a torn tail so the next append starts on a fresh line.
        await truncate(file, journal.validBytes);
        const handle = await open(file, 'a');
        const resumed = { startedAt: journal.header.startedAt, records: journal.records.length };
        return new DetectCheckpoint(file, handle, resumed, undefined, journal.records);
      }
      if (journal.kind === 'ok') {
        refuse(`${file} was made for ${describeSource(journal.header.source)}, not ${describeSource(source)}`);
      } else if (journal.kind === 'invalid') {
        refuse(`${file} is not a detect checkpoint (${journal.reason})`);
      } else if (resume === 'always') {
        refuse(`there is no checkpoint at ${file}`);
      }
    }
    const header: Header = { format: FORMAT, version: VERSION, source, startedAt: (options.now?.() ?? new Date()).toISOString() };
    await writeFileAtomic(file, `${JSON.stringify(header)}\n`);
    return new DetectCheckpoint(file, await open(file, 'a'), undefined, discarded, []);
  }

  /** The list's items when a run has listed it completely, else undefined. */
  listed<K extends Key<Lists>>(list: K): Lists[K][] | undefined {
    return this.listedNames.has(list) ? (this.pages.get(list) as Lists[K][]) : undefined;
  }

  startList(list: Key<Lists>): void {
    this.record({ kind: 'list-start', list });
  }

  recordPage<K extends Key<Lists>>(list: K, items: Lists[K][]): void {
    this.record({ kind: 'page', list, items });
  }

  finishList(list: Key<Lists>): void {
    this.record({ kind: 'listed', list });
  }

  has(op: Key<Items>, key: string): boolean {
    return this.results.get(op)?.has(key) ?? false;
  }

  resultsOf<K extends Key<Items>>(op: K): ReadonlyMap<string, Items[K]> {
    return (this.results.get(op) ?? new Map()) as ReadonlyMap<string, Items[K]>;
  }

  recordResult<K extends Key<Items>>(op: K, key: string, value: Items[K]): void {
    this.record({ kind: 'item', op, key, value });
  }

  /** Writes what was recorded since the last flush. */
  async flush(): Promise<void> {
    if (this.buffer.length > 0) {
      const chunk = this.buffer.join('');
      this.buffer = [];
      const write = this.writing.then(async () => {
        await this.handle.write(chunk);
        await this.handle.datasync();
      });
      this.writing = write.catch((error: unknown) => {
        this.failure ??= { error };
      });
    }
    await this.writing;
    if (this.failure) throw this.failure.error;
  }

  /** Flushes and closes the file; the checkpoint stays for the next run. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    try {
      await this.flush();
    } finally {
      await this.handle.close();
    }
  }

  /** Closes and deletes the checkpoint: the run it was for has finished. */
  async remove(): Promise<void> {
    await this.close();
    await rm(this.file, { force: true });
  }

  private record(record: JournalRecord): void {
    if (this.failure) throw this.failure.error;
    this.apply(record);
    this.buffer.push(`${JSON.stringify(record)}\n`);
  }

  private apply(record: JournalRecord): void {
    switch (record.kind) {
      case 'list-start':
        this.pages.set(record.list, []);
        this.listedNames.delete(record.list);
        return;
      case 'page': {
        const items = this.pages.get(record.list);
        if (items) items.push(...record.items);
        else this.pages.set(record.list, [...record.items]);
        return;
      }
      case 'listed':
        this.listedNames.add(record.list);
        return;
      case 'item': {
        let results = this.results.get(record.op);
        if (!results) {
          results = new Map();
          this.results.set(record.op, results);
        }
        results.set(record.key, record.value);
        return;
      }
    }
  }
}

type Journal =
  | { kind: 'missing' }
  | { kind: 'invalid'; reason: string }
  | { kind: 'ok'; header: Header; records: JournalRecord[]; validBytes: number };

async function readJournal(file: string): Promise<Journal> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    throw error;
  }
  const input = createReadStream(file, { encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let header: Header | undefined;
  const records: JournalRecord[] = [];
  let offset = 0;
  let lastRecordBytes = 0;
  try {
    for await (const line of lines) {
      const parsed = parseJson(line);
      if (header === undefined) {
        if (!isHeader(parsed)) return { kind: 'invalid', reason: 'its first line is not a checkpoint header' };
        header = parsed;
      } else if (isRecord(parsed)) {
        records.push(parsed);
      } else {
        break;
      }
      lastRecordBytes = Buffer.byteLength(line) + 1;
      offset += lastRecordBytes;
    }
  } finally {
    lines.close();
    input.destroy();
  }
  if (header === undefined) return { kind: 'invalid', reason: 'it is empty' };
  // A last line without its newline was cut short, even if what is there parses.
  if (offset > size) {
    if (records.length === 0) return { kind: 'invalid', reason: 'its header is incomplete' };
    records.pop();
    offset -= lastRecordBytes;
  }
  return { kind: 'ok', header, records, validBytes: offset };
}

function parseJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

function isHeader(value: unknown): value is Header {
  const header = value as Partial<Header> | undefined;
  return (
    header?.format === FORMAT &&
    header.version === VERSION &&
    typeof header.startedAt === 'string' &&
    typeof header.source?.region === 'string' &&
    (header.source.controlEndpoint === null || typeof header.source.controlEndpoint === 'string')
  );
}

function isRecord(value: unknown): value is JournalRecord {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  switch (record.kind) {
    case 'list-start':
    case 'listed':
      return typeof record.list === 'string';
    case 'page':
      return typeof record.list === 'string' && Array.isArray(record.items);
    case 'item':
      return typeof record.op === 'string' && typeof record.key === 'string' && 'value' in record;
    default:
      return false;
  }
}

function sameSource(a: SourceIdentity, b: SourceIdentity): boolean {
  return a.region === b.region && a.controlEndpoint === b.controlEndpoint;
}

function describeSource(source: SourceIdentity): string {
  return `${source.region} at ${source.controlEndpoint ?? 'the default AWS endpoint'}`;
}
