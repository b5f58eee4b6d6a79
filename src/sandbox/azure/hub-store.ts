import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DebouncedJsonFile } from '../debounced-json-file.js';
import { InputError } from '../../errors.js';
import { createDefaultPolicies, type SharedAccessPolicy } from './access-policies.js';
import type { HubDevice, HubState, RegisteredCertificateAuthority } from './hub-state.js';

const HUB_STATE_FILE = 'azure-hub.json';

/**
 * Holds the hub's registry in memory and keeps `<state-dir>/azure-hub.json` in step with
 * it (as the AWS EstateStore does for its estate): writers mutate and call `changed()`;
 * the file follows within moments (DebouncedJsonFile), readable only by its owner. Devices live in a Map
 * because their IDs come off the wire and may be names like `constructor`.
 */
export class HubStore {
  readonly devices: Map<string, HubDevice>;
  private readonly persisted: DebouncedJsonFile;

  private constructor(
    readonly hubName: string,
    readonly policies: SharedAccessPolicy[],
    devices: HubDevice[],
    readonly certificateAuthorities: Map<string, RegisteredCertificateAuthority>,
    private etagCounter: number,
    file: string | undefined,
  ) {
    this.devices = new Map(devices.map((device) => [device.deviceId, device]));
    this.persisted = new DebouncedJsonFile(file, () => this.snapshot(), 0o600);
  }

  /**
   * The hub persisted in `stateDir`, or a new one (written at once) when there is none;
   * with no `stateDir`, a hub kept only in memory. A reopened hub keeps its keys and
   * devices; its devices all start disconnected, as no connection survives a restart.
   */
  static async open(stateDir: string | undefined, hubName: string): Promise<HubStore> {
    if (stateDir === undefined) return new HubStore(hubName, createDefaultPolicies(), [], new Map(), 0, undefined);
    const file = join(stateDir, HUB_STATE_FILE);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      const store = new HubStore(hubName, createDefaultPolicies(), [], new Map(), 0, file);
      await store.flush();
      return store;
    }
    const state = JSON.parse(text) as HubState;
    if (state.schemaVersion !== 1) {
      throw new InputError(`${file} has schemaVersion ${String(state.schemaVersion)}; this iotmigrate reads 1`, {
        hint: 'remove the file to start the sandbox hub empty, or use the iotmigrate that wrote it',
      });
    }
    for (const device of state.devices) device.connectionState = 'Disconnected';
    return new HubStore(
      state.hubName,
      state.policies,
      state.devices,
      new Map(state.certificateAuthorities.map((ca) => [ca.name, ca])),
      state.etagCounter,
      file,
    );
  }

  /** A device etag never handed out before: IoT Hub's look, base64 of a counter. */
  nextDeviceEtag(): string {
    this.etagCounter += 1;
    return Buffer.from(String(this.etagCounter)).toString('base64');
  }

  changed(): void {
    this.persisted.schedule();
  }

  flush(): Promise<void> {
    return this.persisted.flush();
  }

  private snapshot(): HubState {
    return {
      schemaVersion: 1,
      hubName: this.hubName,
      policies: this.policies,
      devices: [...this.devices.values()].sort((a, b) => compareIds(a.deviceId, b.deviceId)),
      certificateAuthorities: [...this.certificateAuthorities.values()].sort((a, b) => compareIds(a.name, b.name)),
      etagCounter: this.etagCounter,
    };
  }
}

/** Ordinal order, so listings and query pages are stable whatever the locale. */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
