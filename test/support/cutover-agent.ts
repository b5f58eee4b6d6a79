import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import deviceSdk from 'azure-iot-device';
import { Mqtt } from 'azure-iot-device-mqtt';
import { connectAsync, type MqttClient } from 'mqtt';
import type { CutoverJobDocument } from '../../src/ota/cutover-job-document.js';

/**
 * A tiny device update agent for the rollout's tests: on real mqtt.js it speaks the AWS
 * IoT Jobs MQTT API with the thing's own certificate (notify-next, start-next, update
 * with the statusDetails steps the cutover document's agent reports), and on success
 * connects to IoT Hub with azure-iot-device over MQTT, same certificate, reports the new
 * firmware version in its twin, and only then reports SUCCEEDED and leaves AWS. What it
 * does with each job is the test's to say, and may change between jobs.
 */
export type AgentFate =
  | { kind: 'switch' }
  | { kind: 'reject'; reason: string }
  | { kind: 'fail'; reason: string }
  /** Reports SUCCEEDED on AWS without ever reaching IoT Hub: a lying (or broken) agent. */
  | { kind: 'claim-success' };

export interface AgentOptions {
  thingName: string;
  /** The sandbox's state dir, where each thing's certificate and key are. */
  sandboxStateDir: string;
  awsHost: string;
  awsPort: number;
  hubHost: string;
  ca: string;
  /** Pause between steps, so a rollout has moments to be killed in. */
  stepDelayMs: number;
  fate(jobNumber: number): AgentFate;
}

type Json = Record<string, any>;

export class CutoverAgent {
  /** Jobs this agent has taken, in order. */
  readonly jobs: string[] = [];
  private aws: MqttClient | undefined;
  private hub: InstanceType<typeof deviceSdk.Client> | undefined;
  private busy = false;

  private constructor(private readonly options: AgentOptions, private readonly credentials: { cert: string; key: string }) {}

  static async start(options: AgentOptions): Promise<CutoverAgent> {
    const dir = join(options.sandboxStateDir, 'devices', options.thingName);
    const credentials = { cert: await readFile(join(dir, 'certificate.pem.crt'), 'utf8'), key: await readFile(join(dir, 'private.pem.key'), 'utf8') };
    const agent = new CutoverAgent(options, credentials);
    await agent.connectAws();
    return agent;
  }

  get onAws(): boolean {
    return this.aws?.connected ?? false;
  }

  get onHub(): boolean {
    return this.hub !== undefined;
  }

  async stop(): Promise<void> {
    await this.aws?.endAsync(true);
    await this.hub?.close();
    this.aws = undefined;
    this.hub = undefined;
  }

  private topic(suffix: string): string {
    return `$aws/things/${this.options.thingName}/jobs/${suffix}`;
  }

  private async connectAws(): Promise<void> {
    const client = await connectAsync(`mqtts://${this.options.awsHost}:${this.options.awsPort}`, {
      ...this.credentials,
      ca: this.options.ca,
      clientId: this.options.thingName,
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    this.aws = client;
    client.on('message', (topic, payload) => {
      const body = JSON.parse(payload.toString()) as Json;
      if (topic.endsWith('/notify-next') && body.execution) void this.startNext();
      if (topic.endsWith('/start-next/accepted') && body.execution) void this.run(body.execution as Json);
    });
    await client.subscribeAsync([this.topic('notify-next'), this.topic('start-next/accepted')], { qos: 1 });
    await this.startNext();
  }

  private async startNext(): Promise<void> {
    if (this.busy || !this.aws?.connected) return;
    await this.aws.publishAsync(this.topic('start-next'), JSON.stringify({ statusDetails: { step: 'downloading' } }), { qos: 1 });
  }

  private async run(execution: Json): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    const jobId = execution.jobId as string;
    const document = execution.jobDocument as CutoverJobDocument;
    this.jobs.push(jobId);
    const fate = this.options.fate(this.jobs.length);
    const update = (status: string, statusDetails: Record<string, string>) =>
      this.aws!.publishAsync(this.topic(`${jobId}/update`), JSON.stringify({ status, statusDetails }), { qos: 1 });
    const pause = () => new Promise((resolve) => setTimeout(resolve, this.options.stepDelayMs));
    try {
      if (fate.kind === 'reject') {
        await update('REJECTED', { step: 'rejected', reason: fate.reason });
        return;
      }
      await pause();
      await update('IN_PROGRESS', { step: 'verifying' });
      await pause();
      await update('IN_PROGRESS', { step: 'connecting-azure' });
      await pause();
      if (fate.kind === 'fail') {
        await update('FAILED', { step: 'rolled-back', reason: fate.reason, firmwareVersion: 'old' });
        return;
      }
      if (fate.kind === 'switch') await this.connectHub(document);
      // Make before break: SUCCEEDED only once IoT Hub has the device, then AWS is dropped.
      await update('SUCCEEDED', { step: 'switched', firmwareVersion: document.firmware.version });
      await this.aws!.endAsync();
    } finally {
      this.busy = false;
      if (this.aws?.connected) await this.startNext();
    }
  }

  private async connectHub(document: CutoverJobDocument): Promise<void> {
    const deviceId = document.azure.deviceIds[this.options.thingName] ?? this.options.thingName;
    const client = deviceSdk.Client.fromConnectionString(`HostName=${document.azure.hostName};DeviceId=${deviceId};x509=true`, Mqtt);
    client.on('error', () => {});
    await client.setOptions({ ...this.credentials, ca: this.options.ca });
    await client.open();
    const twin = await client.getTwin();
    await new Promise<void>((resolve, reject) =>
      twin.properties.reported.update({ firmwareVersion: document.firmware.version }, (error?: Error) => (error ? reject(error) : resolve())),
    );
    this.hub = client;
  }
}
