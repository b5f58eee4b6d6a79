import { messagingEntityName, storageContainerName } from './azure-names.js';

/**
 * Where an AWS topic rule action's messages go on Azure. Each AWS service the hub can
 * reach through a routing endpoint maps to its Azure counterpart, created by the plan
 * under the name of the AWS resource; everything else is untranslatable with the reason.
 */
export type Destination =
  | { kind: 'event-hub'; eventHubName: string; awsResource: string; feedsFunction: boolean }
  | { kind: 'service-bus-queue'; queueName: string; awsResource: string }
  | { kind: 'service-bus-topic'; topicName: string; awsResource: string }
  | { kind: 'storage-container'; containerName: string; awsResource: string };

export type DestinationResult =
  | { ok: true; destination: Destination; differences: string[]; followUps: string[] }
  | { ok: false; reason: string };

export function destinationOf(type: string, config: Record<string, unknown>): DestinationResult {
  switch (type) {
    case 'kinesis': {
      const stream = stringField(config, 'streamName');
      if (!stream) return missing(type, 'streamName');
      const partitionKey = stringField(config, 'partitionKey');
      return {
        ok: true,
        destination: { kind: 'event-hub', eventHubName: messagingEntityName(stream), awsResource: `Kinesis stream ${stream}`, feedsFunction: false },
        differences: partitionKey
          ? [`the partition key ${partitionKey} is not carried over: IoT Hub partitions routed messages by device ID`]
          : [],
        followUps: [`point the consumers of Kinesis stream ${stream} at event hub ${messagingEntityName(stream)}`],
      };
    }
    case 'firehose': {
      const stream = stringField(config, 'deliveryStreamName');
      if (!stream) return missing(type, 'deliveryStreamName');
      return {
        ok: true,
        destination: { kind: 'event-hub', eventHubName: messagingEntityName(stream), awsResource: `Firehose delivery stream ${stream}`, feedsFunction: false },
        differences: ['Firehose also delivered to its own destination; an event hub only buffers the messages'],
        followUps: [`recreate the delivery of ${stream} with Event Hubs Capture (to storage) or a consumer of event hub ${messagingEntityName(stream)}`],
      };
    }
    case 's3': {
      const bucket = stringField(config, 'bucketName');
      if (!bucket) return missing(type, 'bucketName');
      const key = stringField(config, 'key');
      const container = storageContainerName(bucket);
      return {
        ok: true,
        destination: { kind: 'storage-container', containerName: container, awsResource: `S3 bucket ${bucket}` },
        differences: [
          `messages are batched into blobs named {iothub}/{partition}/{YYYY}/{MM}/{DD}/{HH}/{mm}${key ? `, not one object per message under the key ${key}` : ''}`,
          ...(container !== bucket ? [`the bucket name ${bucket} is not a valid container name; the container is ${container}`] : []),
        ],
        followUps: [],
      };
    }
    case 'sqs': {
      const url = stringField(config, 'queueUrl');
      const queue = url?.split('/').filter(Boolean).at(-1);
      if (!queue) return missing(type, 'queueUrl');
      return {
        ok: true,
        destination: { kind: 'service-bus-queue', queueName: messagingEntityName(queue), awsResource: `SQS queue ${queue}` },
        differences: [
          ...(config.useBase64 === true ? ['SQS received the payload base64-encoded; Service Bus receives it as sent'] : []),
          ...(queue.endsWith('.fifo') ? ['FIFO order needs sessions on Service Bus: enable requires_session and set a session ID'] : []),
        ],
        followUps: [`point the consumers of SQS queue ${queue} at Service Bus queue ${messagingEntityName(queue)}`],
      };
    }
    case 'sns': {
      const arn = stringField(config, 'targetArn');
      const topic = arn?.split(':').at(-1);
      if (!topic) return missing(type, 'targetArn');
      return {
        ok: true,
        destination: { kind: 'service-bus-topic', topicName: messagingEntityName(topic), awsResource: `SNS topic ${topic}` },
        differences: [],
        followUps: [`recreate the subscriptions of SNS topic ${topic} on Service Bus topic ${messagingEntityName(topic)} (e-mail and SMS subscribers need Logic Apps or Communication Services)`],
      };
    }
    case 'lambda': {
      const arn = stringField(config, 'functionArn');
      // arn:aws:lambda:<region>:<account>:function:<name>[:<alias or version>]
      const name = arn?.split(':')[6];
      if (!name) return missing(type, 'functionArn');
      const eventHub = messagingEntityName(`function-${name}`);
      return {
        ok: true,
        destination: { kind: 'event-hub', eventHubName: eventHub, awsResource: `Lambda function ${name}`, feedsFunction: true },
        differences: [],
        followUps: [
          `port Lambda function ${name} to an Azure Function with an Event Hub trigger on event hub ${eventHub} (consumer group ${FUNCTION_CONSUMER_GROUP}); it gets a batch of messages per call, not one event`,
        ],
      };
    }
    case 'republish':
      return {
        ok: false,
        reason: `IoT Hub routes deliver to endpoints, never back to device topics, so republishing to ${stringField(config, 'topic') ?? 'a topic'} has no route equivalent; a consumer of the built-in endpoint can send cloud-to-device messages or set desired properties instead`,
      };
    case 'dynamoDB':
    case 'dynamoDBv2': {
      const table = stringField(config, 'tableName') ?? stringField(asRecord(config.putItem), 'tableName') ?? 'the table';
      return {
        ok: false,
        reason: `a ${type} action writes fields of each message into ${table}; a route cannot map fields to columns. IoT Hub can route whole messages to Cosmos DB (azurerm_iothub_endpoint_cosmosdb_account): add one by hand with a partition key that suits your queries`,
      };
    }
    default:
      return { ok: false, reason: `IoT Hub has no routing endpoint for the ${type} action${HINTS[type] ? `; ${HINTS[type]}` : ''}` };
  }
}

/** The Event Hub consumer group plan creates for each ported Lambda function. */
export const FUNCTION_CONSUMER_GROUP = 'azure-function';

const HINTS: Record<string, string> = {
  http: 'route to an event hub and call the URL from an Azure Function',
  cloudwatchMetric: 'IoT Hub metrics and Azure Monitor replace it',
  cloudwatchLogs: 'send IoT Hub resource logs to Log Analytics instead',
  cloudwatchAlarm: 'use Azure Monitor alerts',
  stepFunctions: 'trigger a Logic App or Durable Function from an event hub',
  timestream: 'route to an event hub and ingest into Azure Data Explorer',
  kafka: 'Event Hubs speaks the Kafka protocol: route to an event hub',
  iotAnalytics: 'route to an event hub and ingest into Azure Data Explorer',
  iotEvents: 'model the detector in Azure Stream Analytics on an event hub',
  iotSiteWise: 'use Azure IoT Operations or Azure Data Explorer',
  openSearch: 'route to an event hub and index from an Azure Function',
  elasticsearch: 'route to an event hub and index from an Azure Function',
  salesforce: 'route to an event hub and forward from a Logic App',
  location: 'use Azure Maps from an Azure Function on an event hub',
};

function missing(type: string, field: string): DestinationResult {
  return { ok: false, reason: `the ${type} action has no ${field} in the manifest` };
}

function stringField(config: Record<string, unknown> | undefined, field: string): string | undefined {
  const value = config?.[field];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
