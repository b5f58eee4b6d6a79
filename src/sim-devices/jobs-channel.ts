import { randomBytes } from 'node:crypto';
import { iot, mqtt } from 'aws-iot-device-sdk-v2';
import type { FirmwareStartOptions } from './firmware-runner.js';

/**
 * The update agent's own line to AWS IoT Jobs (the Jobs MQTT API), beside the
 * firmware's connection: AWS allows one connection per client ID, so the agent
 * connects as `<thing>-ota`, which the fleet policy `client/${iot:Connection.Thing.ThingName}*`
 * admits with the thing's own topics. Requests and replies are matched by clientToken.
 */
export interface JobExecution {
  jobId: string;
  status: string;
  jobDocument?: unknown;
  versionNumber?: number;
  executionNumber?: number;
  statusDetails?: Record<string, string>;
}

/** The device's AWS connection settings, as its firmware gets them. */
export interface JobsChannelOptions extends Omit<FirmwareStartOptions, 'firmwareVersion' | 'telemetryIntervalMs'> {
  /** Shared by every device of a fleet: one crt client (and event loop bootstrap) for all agent connections. */
  client: mqtt.MqttClient;
  /** The next pending execution changed (notify-next), or may have while the agent was away (on every (re)connection). */
  onNextChanged(execution: JobExecution | undefined): void;
}

export class JobsRequestRejected extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

const REPLY_TIMEOUT_MS = 30_000;
const decoder = new TextDecoder();

export class JobsChannel {
  private readonly pending = new Map<string, { resolve(body: Record<string, unknown>): void; reject(error: Error): void; timer: NodeJS.Timeout }>();
  private closed = false;

  private constructor(
    private readonly connection: mqtt.MqttClientConnection,
    private readonly thingName: string,
    private readonly onNextChanged: JobsChannelOptions['onNextChanged'],
  ) {}

  static async open(options: JobsChannelOptions): Promise<JobsChannel> {
    const config = iot.AwsIotMqttConnectionConfigBuilder.new_mtls_builder_from_path(options.certPath, options.keyPath)
      .with_certificate_authority_from_path(undefined, options.caPath)
      .with_client_id(`${options.thingName}-ota`)
      .with_endpoint(options.endpoint)
      .with_port(options.port)
      // A persistent session keeps the subscriptions, and notifications sent while away, over a reconnection.
      .with_clean_session(false)
      .with_keep_alive_seconds(60)
      .build();
    const connection = options.client.new_connection(config);
    // Without a listener, a failed reconnection attempt would be thrown as an uncaught error.
    connection.on('error', () => {});
    const channel = new JobsChannel(connection, options.thingName, options.onNextChanged);
    await connection.connect();
    try {
      await channel.subscribe();
    } catch (error) {
      await connection.disconnect().catch(() => {});
      throw error;
    }
    connection.on('resume', () => channel.refreshNext());
    channel.refreshNext();
    return channel;
  }

  private get base(): string {
    return `$aws/things/${this.thingName}/jobs`;
  }

  private async subscribe(): Promise<void> {
    await this.connection.subscribe(`${this.base}/notify-next`, mqtt.QoS.AtLeastOnce, (_topic, payload) => {
      const body = parse(payload);
      this.onNextChanged(body?.execution as JobExecution | undefined);
    });
    // Replies to this agent's requests: `{jobId}/get/+` and `{jobId}/update/+` ($next included).
    const onReply = (topic: string, payload: ArrayBuffer) => {
      const body = parse(payload);
      const token = typeof body?.clientToken === 'string' ? body.clientToken : undefined;
      const waiting = token === undefined ? undefined : this.pending.get(token);
      if (!waiting || !body) return;
      this.pending.delete(token!);
      clearTimeout(waiting.timer);
      if (topic.endsWith('/accepted')) waiting.resolve(body);
      else waiting.reject(new JobsRequestRejected(String(body.code), String(body.message)));
    };
    await this.connection.subscribe(`${this.base}/+/get/+`, mqtt.QoS.AtLeastOnce, onReply);
    await this.connection.subscribe(`${this.base}/+/update/+`, mqtt.QoS.AtLeastOnce, onReply);
  }

  /** Asks for the next pending execution and hands it to onNextChanged, as a notification would. */
  refreshNext(): void {
    this.describeNext().then(
      (execution) => this.onNextChanged(execution),
      () => {},
    );
  }

  async describeNext(): Promise<JobExecution | undefined> {
    try {
      const body = await this.request(`${this.base}/$next/get`, { includeJobDocument: true });
      return body.execution as JobExecution | undefined;
    } catch (error) {
      if (error instanceof JobsRequestRejected && error.code === 'ResourceNotFound') return undefined;
      throw error;
    }
  }

  /** UpdateJobExecution; resolves with the accepted reply (its jobDocument when asked for). */
  update(jobId: string, update: { status: string; statusDetails?: object; includeJobDocument?: boolean }): Promise<Record<string, unknown>> {
    return this.request(`${this.base}/${jobId}/update`, update);
  }

  private request(topic: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    if (this.closed) return Promise.reject(new Error('the jobs channel is closed'));
    const clientToken = randomBytes(12).toString('hex');
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(clientToken);
        reject(new Error(`no reply on ${topic} within ${REPLY_TIMEOUT_MS / 1000} s`));
      }, REPLY_TIMEOUT_MS);
      this.pending.set(clientToken, { resolve, reject, timer });
      this.connection.publish(topic, JSON.stringify({ ...body, clientToken }), mqtt.QoS.AtLeastOnce).catch((error: unknown) => {
        this.pending.delete(clientToken);
        clearTimeout(timer);
        reject(error as Error);
      });
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const [token, waiting] of this.pending) {
      clearTimeout(waiting.timer);
      waiting.reject(new Error('the jobs channel closed'));
      this.pending.delete(token);
    }
    await this.connection.disconnect().catch(() => {});
  }
}

function parse(payload: ArrayBuffer): Record<string, unknown> | undefined {
  try {
    const body: unknown = JSON.parse(decoder.decode(payload));
    return typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
