import { stableStringify, writeFileAtomic } from '../fs/atomic-write.js';

const FLUSH_DELAY_MS = 200;

/**
 * Keeps a JSON file in step with in-memory state that changes many times a second
 * (an estate, a hub registry): `schedule()` after each change rewrites the file
 * atomically at most every FLUSH_DELAY_MS, `flush()` writes now. Writes are chained,
 * so an older snapshot never lands after a newer one. Without a file, both do nothing.
 */
export class DebouncedJsonFile {
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly file: string | undefined,
    private readonly snapshot: () => unknown,
    private readonly mode = 0o644,
  ) {}

  schedule(): void {
    if (!this.file || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, FLUSH_DELAY_MS);
    // A pending write must not keep a finished process alive; stop() flushes explicitly.
    this.timer.unref();
  }

  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const file = this.file;
    if (!file) return;
    const text = stableStringify(this.snapshot());
    this.writing = this.writing.then(() => writeFileAtomic(file, text, { mode: this.mode }));
    await this.writing;
  }
}
