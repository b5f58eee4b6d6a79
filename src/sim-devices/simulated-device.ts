import type { KeyObject } from 'node:crypto';
import { join } from 'node:path';
import type { mqtt } from 'aws-iot-device-sdk-v2';
import type { FaultInjector } from '../sandbox/faults.js';
import { offlineSpellMs } from './device-offline.js';
import type { DeviceProfile } from './device-profile.js';
import { errorText } from './error-text.js';
import { existingImage, type FirmwareImage } from './firmware-image.js';
import { startFirmware, type RunningFirmware } from './firmware-runner.js';
import type { DeviceState, DeviceStatus } from './fleet-status.js';
import { JobsChannel, type JobExecution } from './jobs-channel.js';
import { activeSlot, otherSlot, readSlots, writeSlots, type Slot, type Slots } from './slots.js';
import { IOT_HUB_MQTT_PORT, runCutover, type CutoverHost } from './update-agent.js';

/** What every device of one fleet shares. */
export interface FleetContext {
  stateDir: string;
  fleetDir: string;
  aws: { endpoint: string; port: number };
  caPath: string;
  caPem: string;
  trustedKey: { publicKey: KeyObject; keyId: string };
  factory: FirmwareImage;
  telemetryIntervalMs?: number;
  faults: FaultInjector;
  offlineCheckIntervalMs: number;
  /** One aws-crt client for every agent connection in the process. */
  crtClient: mqtt.MqttClient;
  log(thingName: string, message: string): void;
  changed(): void;
}

export interface DeviceSpec {
  thingName: string;
  /** The version its factory firmware reports; the thing's `firmwareVersion` attribute in the seeded estate. */
  firmwareVersion: string;
  profile: DeviceProfile;
}

/** Time between attempts to bring a device back when its firmware or agent could not connect. */
const BRING_UP_RETRY_MS = 5_000;

/**
 * One simulated device: the firmware in its active slot, and beside it the update agent
 * with its own AWS connection while the device is on AWS. Faults may take it offline.
 */
export class SimulatedDevice {
  state: DeviceState = 'starting';
  private slots!: Slots;
  private firmware: RunningFirmware | undefined;
  private jobs: JobsChannel | undefined;
  private busy = false;
  private stopped = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  readonly deviceDir: string;

  constructor(
    private readonly context: FleetContext,
    private readonly spec: DeviceSpec,
  ) {
    this.deviceDir = join(context.stateDir, 'devices', spec.thingName);
  }

  get thingName(): string {
    return this.spec.thingName;
  }

  status(): DeviceStatus {
    return { thingName: this.spec.thingName, state: this.state, firmwareVersion: this.slots ? activeSlot(this.slots).firmwareVersion : this.spec.firmwareVersion };
  }

  /** Boots the active slot (the factory firmware on first boot); resolves once the device is up or has scheduled a retry. */
  async boot(): Promise<void> {
    this.slots = (await readSlots(this.deviceDir)) ?? {
      active: 'a',
      a: { imageId: this.context.factory.id, firmwareVersion: this.spec.firmwareVersion, cloud: 'aws' },
    };
    await writeSlots(this.deviceDir, this.slots);
    await this.bringUp();
    if (this.context.faults.rates['device-offline'] > 0) this.scheduleOfflineCheck(Math.random() * this.context.offlineCheckIntervalMs);
  }

  private async bringUp(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.startActiveSlot();
    } catch (error) {
      this.context.log(this.thingName, `could not come up, retrying in ${BRING_UP_RETRY_MS / 1000} s: ${errorText(error)}`);
      await this.goDown('starting');
      this.after(BRING_UP_RETRY_MS, () => void this.bringUp());
    }
  }

  private async startActiveSlot(): Promise<void> {
    const slot = activeSlot(this.slots);
    const image = slot.imageId === this.context.factory.id ? this.context.factory : await existingImage(this.context.fleetDir, slot.imageId);
    if (!image) throw new Error(`the image ${slot.imageId} of slot ${this.slots.active} is missing from ${this.context.fleetDir}`);
    const onAws = slot.cloud === 'aws';
    this.firmware ??= await startFirmware(image, {
      thingName: this.thingName,
      endpoint: onAws ? this.context.aws.endpoint : slot.hubHostName!,
      port: onAws ? this.context.aws.port : IOT_HUB_MQTT_PORT,
      ...this.credentials(),
      firmwareVersion: slot.firmwareVersion,
      ...(this.context.telemetryIntervalMs !== undefined ? { telemetryIntervalMs: this.context.telemetryIntervalMs } : {}),
    });
    if (onAws) {
      this.jobs ??= await JobsChannel.open({
        thingName: this.thingName,
        endpoint: this.context.aws.endpoint,
        port: this.context.aws.port,
        ...this.credentials(),
        client: this.context.crtClient,
        onNextChanged: (execution) => this.onNextJob(execution),
      });
    }
    this.setState(onAws ? 'aws' : 'azure');
  }

  private credentials() {
    return { certPath: join(this.deviceDir, 'certificate.pem.crt'), keyPath: join(this.deviceDir, 'private.pem.key'), caPath: this.context.caPath };
  }

  private onNextJob(execution: JobExecution | undefined): void {
    if (!execution || this.busy || this.stopped || this.state !== 'aws' || !this.jobs) return;
    if (execution.status !== 'QUEUED' && execution.status !== 'IN_PROGRESS') return;
    this.busy = true;
    runCutover(this.cutoverHost(this.jobs), execution)
      .catch((error: unknown) => this.context.log(this.thingName, `job ${execution.jobId}: ${errorText(error)}`))
      .finally(() => {
        this.busy = false;
        // Notifications that came while busy were ignored: look again for what is pending now.
        if (this.state === 'aws') this.jobs?.refreshNext();
      });
  }

  private cutoverHost(jobs: JobsChannel): CutoverHost {
    return {
      thingName: this.thingName,
      ...this.credentials(),
      caPem: this.context.caPem,
      fleetDir: this.context.fleetDir,
      profile: this.spec.profile,
      trustedKey: this.context.trustedKey,
      ...(this.context.telemetryIntervalMs !== undefined ? { telemetryIntervalMs: this.context.telemetryIntervalMs } : {}),
      jobs,
      activeSlot: () => activeSlot(this.slots),
      updating: (active) => this.setState(active ? 'updating' : activeSlot(this.slots).cloud === 'aws' ? 'aws' : 'azure'),
      stageSlot: async (slot: Slot) => {
        this.slots = { ...this.slots, [otherSlot(this.slots.active)]: slot };
        await writeSlots(this.deviceDir, this.slots);
      },
      switchTo: async (running) => {
        this.slots = { ...this.slots, active: otherSlot(this.slots.active) };
        await writeSlots(this.deviceDir, this.slots);
        const old = this.firmware;
        this.firmware = running;
        await old?.stop().catch(() => {});
        await this.closeJobs();
      },
      rollBack: () => this.startActiveSlot(),
      log: (message) => this.context.log(this.thingName, message),
    };
  }

  private scheduleOfflineCheck(delayMs: number): void {
    this.after(delayMs, () => {
      const spell = this.busy || this.state === 'starting' || this.state === 'offline' ? undefined : offlineSpellMs(this.context.faults);
      if (spell === undefined) return this.scheduleOfflineCheck(this.context.offlineCheckIntervalMs);
      this.context.log(this.thingName, `drops off the network for ${Math.round(spell / 1000)} s`);
      void this.goDown('offline').then(() =>
        this.after(spell, () => {
          void this.bringUp().then(() => this.scheduleOfflineCheck(this.context.offlineCheckIntervalMs));
        }),
      );
    });
  }

  private async goDown(state: DeviceState): Promise<void> {
    this.setState(state);
    const firmware = this.firmware;
    this.firmware = undefined;
    await Promise.all([firmware?.stop().catch(() => {}), this.closeJobs()]);
  }

  private async closeJobs(): Promise<void> {
    const jobs = this.jobs;
    this.jobs = undefined;
    await jobs?.close();
  }

  private setState(state: DeviceState): void {
    if (this.state === state) return;
    this.state = state;
    this.context.changed();
  }

  private after(delayMs: number, run: () => void): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, delayMs);
    this.timers.add(timer);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await this.goDown('stopped');
  }
}
