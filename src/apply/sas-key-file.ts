import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { SasKeys } from '../azure/registry-device.js';

export const SAS_KEYS_FILE = 'sas-keys.ndjson';

/**
 * The symmetric keys of the devices the plan registers with SAS (its flagged fallback),
 * in `<state-dir>/sas-keys.ndjson`, mode 0600: one JSON line per device,
 * `{deviceId, hostName, primaryKey, secondaryKey}`, the last line for a device winning.
 * The keys never go into the plan, the state store or a log line. They are made here
 * and written (fsync'd) before the hub is asked to create the device, so a killed run
 * never leaves a device on the hub whose keys only the hub knows. Appending keeps each
 * write small however many SAS devices there are; a line torn by a kill belongs to a
 * device the hub was never asked about, and is skipped.
 */
export class SasKeyFile {
  private constructor(
    readonly path: string,
    private readonly hostName: string,
    private readonly keys: Map<string, SasKeys>,
    /** False after a torn last line: the next write must not run on from it. */
    private atLineStart: boolean,
  ) {}

  static async open(stateDir: string, hostName: string): Promise<SasKeyFile> {
    const path = join(stateDir, SAS_KEYS_FILE);
    const keys = new Map<string, SasKeys>();
    const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return '';
      throw error;
    });
    for (const line of text.split('\n')) {
      const entry = parseLine(line);
      if (entry) keys.set(entry.deviceId, { primaryKey: entry.primaryKey, secondaryKey: entry.secondaryKey });
    }
    return new SasKeyFile(path, hostName, keys, text === '' || text.endsWith('\n'));
  }

  get(deviceId: string): SasKeys | undefined {
    return this.keys.get(deviceId);
  }

  /** Makes keys for the devices that have none yet and writes them down; returns every device's keys. */
  async ensure(deviceIds: readonly string[]): Promise<Map<string, SasKeys>> {
    const made = deviceIds.filter((deviceId) => !this.keys.has(deviceId)).map((deviceId) => ({ deviceId, keys: { primaryKey: newKey(), secondaryKey: newKey() } }));
    await this.remember(made);
    return new Map(deviceIds.map((deviceId) => [deviceId, this.keys.get(deviceId)!]));
  }

  /** Records keys a device already has on the hub, so the file gives working keys. */
  async adopt(deviceId: string, keys: SasKeys): Promise<void> {
    const known = this.keys.get(deviceId);
    if (known?.primaryKey === keys.primaryKey && known.secondaryKey === keys.secondaryKey) return;
    await this.remember([{ deviceId, keys }]);
  }

  private async remember(entries: ReadonlyArray<{ deviceId: string; keys: SasKeys }>): Promise<void> {
    if (entries.length === 0) return;
    const lines = entries.map(({ deviceId, keys }) => `${JSON.stringify({ deviceId, hostName: this.hostName, ...keys })}\n`).join('');
    const text = this.atLineStart ? lines : `\n${lines}`;
    await mkdir(dirname(this.path), { recursive: true });
    const file = await open(this.path, 'a', 0o600);
    try {
      // The mode given to open applies only to a new file; one made by hand may be wider.
      await chmod(this.path, 0o600);
      await file.write(text);
      await file.sync();
      this.atLineStart = true;
    } finally {
      await file.close();
    }
    for (const { deviceId, keys } of entries) this.keys.set(deviceId, keys);
  }
}

/** 32 random bytes, base64: the length IoT Hub generates. */
function newKey(): string {
  return randomBytes(32).toString('base64');
}

function parseLine(line: string): ({ deviceId: string } & SasKeys) | undefined {
  if (line.trim() === '') return undefined;
  try {
    const entry = JSON.parse(line) as Partial<{ deviceId: string } & SasKeys>;
    if (typeof entry.deviceId === 'string' && typeof entry.primaryKey === 'string' && typeof entry.secondaryKey === 'string') {
      return { deviceId: entry.deviceId, primaryKey: entry.primaryKey, secondaryKey: entry.secondaryKey };
    }
  } catch {
    // A torn last line: see the class comment.
  }
  return undefined;
}
