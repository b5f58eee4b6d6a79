import type { ProgressEvent } from './events.js';

export interface Reporter {
  emit(event: ProgressEvent): void;
  /** Flush anything pending; called once before the process exits. */
  close(): void;
}
