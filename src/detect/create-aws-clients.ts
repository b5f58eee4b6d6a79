import type { IoTClient } from '@aws-sdk/client-iot';
import type { IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { UsageError } from '../errors.js';

/**
 * The AWS SDK clients detect reads with, configured the way users configure any AWS
 * tool: region, credentials and endpoint overrides (AWS_ENDPOINT_URL_IOT,
 * AWS_ENDPOINT_URL_IOT_DATA_PLANE, AWS_ENDPOINT_URL, profile settings) all come from the
 * SDK's own chains. The SDK is imported here, on first use, so `iotmigrate --help` does
 * not pay for loading it.
 */
export interface AwsClients {
  iot: IoTClient;
  region: string;
  /** The control-plane endpoint the SDK was pointed at, or null for AWS's default. */
  controlEndpoint: string | null;
  /** The default control-plane endpoint when there is no override: for messages. */
  controlEndpointShown: string;
  /**
   * The data-plane client for shadows: the configured endpoint when there is one, else
   * the account's ATS data endpoint (from DescribeEndpoint), as AWS requires.
   */
  createDataPlane(dataEndpoint: string): Promise<{ client: IoTDataPlaneClient; endpoint: string }>;
  destroy(): void;
}

export interface AwsClientOptions {
  region?: string;
  /** Sockets per client: enough for every operation's calls in flight. */
  maxSockets: number;
}

const CONNECTION_TIMEOUT_MS = 5_000;
const REQUEST_TIMEOUT_MS = 60_000;

export async function createAwsClients(options: AwsClientOptions): Promise<AwsClients> {
  const { IoTClient } = await import('@aws-sdk/client-iot');
  const requestHandler = {
    connectionTimeout: CONNECTION_TIMEOUT_MS,
    requestTimeout: REQUEST_TIMEOUT_MS,
    throwOnRequestTimeout: true,
    httpAgent: { keepAlive: true, maxSockets: options.maxSockets },
    httpsAgent: { keepAlive: true, maxSockets: options.maxSockets },
  };
  // One attempt per SDK call: the call governor retries, so that it sees every throttle
  // and can slow the operation down instead of the SDK retrying blindly.
  const common = { maxAttempts: 1, requestHandler };
  const iot = new IoTClient({ ...common, ...(options.region ? { region: options.region } : {}) });
  let region: string;
  try {
    region = await iot.config.region();
  } catch (error) {
    iot.destroy();
    throw new UsageError(`no AWS region is configured (${(error as Error).message})`, {
      hint: 'set AWS_REGION or pass --region',
      cause: error,
    });
  }
  const controlEndpoint = (await iot.config.serviceConfiguredEndpoint?.()) ?? null;
  const dataPlanes: IoTDataPlaneClient[] = [];
  return {
    iot,
    region,
    controlEndpoint,
    controlEndpointShown: controlEndpoint ?? `https://iot.${region}.amazonaws.com`,
    async createDataPlane(dataEndpoint) {
      const { IoTDataPlaneClient } = await import('@aws-sdk/client-iot-data-plane');
      let client = new IoTDataPlaneClient({ ...common, region });
      let endpoint = await client.config.serviceConfiguredEndpoint?.();
      if (!endpoint) {
        client.destroy();
        endpoint = `https://${dataEndpoint}`;
        client = new IoTDataPlaneClient({ ...common, region, endpoint });
      }
      dataPlanes.push(client);
      return { client, endpoint };
    },
    destroy() {
      iot.destroy();
      for (const client of dataPlanes) client.destroy();
    },
  };
}
