import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, TerraformOutput, TerraformStack } from 'cdktf';
// Deep paths: the provider's index loads every Azure resource class (over a second).
// (IothubRouteA / IothubFallbackRouteA: the provider renames classes that clash with nested types.)
import { DataAzurermIothubSharedAccessPolicy } from '@cdktf/provider-azurerm/lib/data-azurerm-iothub-shared-access-policy/index.js';
import { Eventhub } from '@cdktf/provider-azurerm/lib/eventhub/index.js';
import { EventhubAuthorizationRule } from '@cdktf/provider-azurerm/lib/eventhub-authorization-rule/index.js';
import { EventhubConsumerGroup } from '@cdktf/provider-azurerm/lib/eventhub-consumer-group/index.js';
import { EventhubNamespace } from '@cdktf/provider-azurerm/lib/eventhub-namespace/index.js';
import { Iothub } from '@cdktf/provider-azurerm/lib/iothub/index.js';
import { IothubCertificate } from '@cdktf/provider-azurerm/lib/iothub-certificate/index.js';
import { IothubConsumerGroup } from '@cdktf/provider-azurerm/lib/iothub-consumer-group/index.js';
import { IothubEndpointEventhub } from '@cdktf/provider-azurerm/lib/iothub-endpoint-eventhub/index.js';
import { IothubEndpointServicebusQueue } from '@cdktf/provider-azurerm/lib/iothub-endpoint-servicebus-queue/index.js';
import { IothubEndpointServicebusTopic } from '@cdktf/provider-azurerm/lib/iothub-endpoint-servicebus-topic/index.js';
import { IothubEndpointStorageContainer } from '@cdktf/provider-azurerm/lib/iothub-endpoint-storage-container/index.js';
import { IothubFallbackRouteA as IothubFallbackRoute } from '@cdktf/provider-azurerm/lib/iothub-fallback-route/index.js';
import { IothubRouteA as IothubRoute } from '@cdktf/provider-azurerm/lib/iothub-route/index.js';
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider/index.js';
import { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group/index.js';
import { ServicebusNamespace } from '@cdktf/provider-azurerm/lib/servicebus-namespace/index.js';
import { ServicebusQueue } from '@cdktf/provider-azurerm/lib/servicebus-queue/index.js';
import { ServicebusQueueAuthorizationRule } from '@cdktf/provider-azurerm/lib/servicebus-queue-authorization-rule/index.js';
import { ServicebusTopic } from '@cdktf/provider-azurerm/lib/servicebus-topic/index.js';
import { ServicebusTopicAuthorizationRule } from '@cdktf/provider-azurerm/lib/servicebus-topic-authorization-rule/index.js';
import { StorageAccount } from '@cdktf/provider-azurerm/lib/storage-account/index.js';
import { StorageContainer } from '@cdktf/provider-azurerm/lib/storage-container/index.js';
import { terraformName } from './azure-names.js';
import { BUILT_IN_ENDPOINT, type AzureEstate } from './azure-estate.js';
import { FUNCTION_CONSUMER_GROUP } from './rule-destinations.js';
import { BUILT_IN_ROUTE_NAME } from './rule-routes.js';

/** The stack name; also the `//.metadata.stackName` users see in cdk.tf.json. */
const STACK_NAME = 'iotmigrate';
/** Send-only: the hub needs to write to its endpoints and nothing more. */
const SEND_RULE_NAME = 'iothub-send';
/** IoT Hub's default blob naming for storage endpoints; all seven tokens are required. */
const BLOB_NAME_FORMAT = '{iothub}/{partition}/{YYYY}/{MM}/{DD}/{HH}/{mm}';

/**
 * Renders the estate as a Terraform JSON document (what `cdktf synth` writes as
 * cdk.tf.json), in memory: toTerraform() touches no disk, so plan decides where the
 * file goes and writes it with the rest of the plan, atomically.
 */
export function synthesizeTerraform(estate: AzureEstate): Record<string, unknown> {
  // CDKTF's App creates its output directory (and stacks/ in it) as soon as it is
  // constructed, cdktf.out in the working directory by default; a throwaway one keeps
  // plan from leaving that behind in the user's directory.
  const scratch = mkdtempSync(join(tmpdir(), 'iotmigrate-cdktf-'));
  try {
    return renderStack(new App({ skipValidation: true, outdir: scratch }), estate);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function renderStack(app: App, estate: AzureEstate): Record<string, unknown> {
  const stack = new TerraformStack(app, STACK_NAME);
  const ids = new Set<string>();
  // Construct IDs become Terraform resource names and must be unique across the stack.
  const id = (name: string) => {
    const base = terraformName(name);
    let candidate = base;
    for (let suffix = 2; ids.has(candidate); suffix += 1) candidate = `${base}_${suffix}`;
    ids.add(candidate);
    return candidate;
  };

  new AzurermProvider(stack, 'azurerm', { features: [{}] });
  // `azurerm` alone resolves to hashicorp/azurerm too; spelt out for the reader.
  stack.addOverride('terraform.required_providers.azurerm.source', 'hashicorp/azurerm');

  const group = new ResourceGroup(stack, id('resource_group'), {
    name: estate.resourceGroup.name,
    location: estate.resourceGroup.location,
    tags: estate.tags,
  });
  const inGroup = { resourceGroupName: group.name };
  const placed = { ...inGroup, location: group.location, tags: estate.tags };

  const hub = new Iothub(stack, id('hub'), {
    ...placed,
    name: estate.hub.name,
    sku: { name: estate.hub.sku, capacity: estate.hub.units },
  });
  const onHub = { ...inGroup, iothubName: hub.name };

  for (const name of estate.consumerGroups) {
    new IothubConsumerGroup(stack, id(`consumer_group_${name}`), { ...onHub, name, eventhubEndpointName: BUILT_IN_ENDPOINT });
  }

  const connectionStrings = new Map<string, string>();
  if (estate.eventHubs) {
    const namespace = new EventhubNamespace(stack, id('eventhub_namespace'), {
      ...placed,
      name: estate.eventHubs.namespaceName,
      sku: 'Standard',
      capacity: 1,
    });
    for (const entity of estate.eventHubs.hubs) {
      const eventHub = new Eventhub(stack, id(`eventhub_${entity.name}`), {
        name: entity.name,
        namespaceId: namespace.id,
        partitionCount: 4,
        messageRetention: 1,
      });
      const onEventHub = { ...inGroup, namespaceName: namespace.name, eventhubName: eventHub.name };
      const send = new EventhubAuthorizationRule(stack, id(`eventhub_${entity.name}_send`), {
        ...onEventHub,
        name: SEND_RULE_NAME,
        send: true,
      });
      connectionStrings.set(`event-hub:${entity.name}`, send.primaryConnectionString);
      if (entity.feedsFunction) {
        new EventhubConsumerGroup(stack, id(`eventhub_${entity.name}_function`), { ...onEventHub, name: FUNCTION_CONSUMER_GROUP });
      }
    }
  }

  if (estate.serviceBus) {
    const namespace = new ServicebusNamespace(stack, id('servicebus_namespace'), {
      ...placed,
      name: estate.serviceBus.namespaceName,
      // Topics need Standard; Basic has queues only.
      sku: 'Standard',
    });
    for (const name of estate.serviceBus.queues) {
      const queue = new ServicebusQueue(stack, id(`queue_${name}`), { name, namespaceId: namespace.id });
      const send = new ServicebusQueueAuthorizationRule(stack, id(`queue_${name}_send`), {
        name: SEND_RULE_NAME,
        queueId: queue.id,
        send: true,
      });
      connectionStrings.set(`service-bus-queue:${name}`, send.primaryConnectionString);
    }
    for (const name of estate.serviceBus.topics) {
      const topic = new ServicebusTopic(stack, id(`topic_${name}`), { name, namespaceId: namespace.id });
      const send = new ServicebusTopicAuthorizationRule(stack, id(`topic_${name}_send`), {
        name: SEND_RULE_NAME,
        topicId: topic.id,
        send: true,
      });
      connectionStrings.set(`service-bus-topic:${name}`, send.primaryConnectionString);
    }
  }

  if (estate.storage) {
    const account = new StorageAccount(stack, id('storage_account'), {
      ...placed,
      name: estate.storage.accountName,
      accountTier: 'Standard',
      accountReplicationType: 'LRS',
      minTlsVersion: 'TLS1_2',
      allowNestedItemsToBePublic: false,
    });
    for (const name of estate.storage.containers) {
      new StorageContainer(stack, id(`container_${name}`), { name, storageAccountId: account.id, containerAccessType: 'private' });
      connectionStrings.set(`storage-container:${name}`, account.primaryBlobConnectionString);
    }
  }

  const endpointNames = new Map<string, string>();
  for (const endpoint of estate.endpoints) {
    const common = { ...inGroup, iothubId: hub.id, name: endpoint.name };
    const destination = endpoint.destination;
    const resourceId = id(`endpoint_${endpoint.name}`);
    switch (destination.kind) {
      case 'event-hub':
        endpointNames.set(
          endpoint.name,
          new IothubEndpointEventhub(stack, resourceId, {
            ...common,
            connectionString: connectionStrings.get(`event-hub:${destination.eventHubName}`)!,
          }).name,
        );
        break;
      case 'service-bus-queue':
        endpointNames.set(
          endpoint.name,
          new IothubEndpointServicebusQueue(stack, resourceId, {
            ...common,
            connectionString: connectionStrings.get(`service-bus-queue:${destination.queueName}`)!,
          }).name,
        );
        break;
      case 'service-bus-topic':
        endpointNames.set(
          endpoint.name,
          new IothubEndpointServicebusTopic(stack, resourceId, {
            ...common,
            connectionString: connectionStrings.get(`service-bus-topic:${destination.topicName}`)!,
          }).name,
        );
        break;
      case 'storage-container':
        endpointNames.set(
          endpoint.name,
          new IothubEndpointStorageContainer(stack, resourceId, {
            ...common,
            connectionString: connectionStrings.get(`storage-container:${destination.containerName}`)!,
            containerName: destination.containerName,
            encoding: 'JSON',
            fileNameFormat: BLOB_NAME_FORMAT,
            batchFrequencyInSeconds: 300,
            maxChunkSizeInBytes: 314_572_800,
          }).name,
        );
        break;
    }
  }

  for (const route of estate.routes) {
    new IothubRoute(stack, id(`route_${route.name}`), {
      ...onHub,
      name: route.name,
      source: route.source,
      condition: route.condition,
      // The endpoint's attribute, not its literal name: Terraform then creates it first.
      endpointNames: [endpointNames.get(route.endpointName)!],
      enabled: route.enabled,
    });
  }
  // With custom routes, a message reaches the built-in endpoint only through a route of
  // its own; AWS subscribers saw every message, so every message stays readable there.
  new IothubRoute(stack, id(`route_${BUILT_IN_ROUTE_NAME}`), {
    ...onHub,
    name: BUILT_IN_ROUTE_NAME,
    source: 'DeviceMessages',
    condition: 'true',
    endpointNames: [BUILT_IN_ENDPOINT],
    enabled: true,
  });
  new IothubFallbackRoute(stack, id('fallback_route'), {
    ...onHub,
    source: 'DeviceMessages',
    condition: 'true',
    endpointNames: [BUILT_IN_ENDPOINT],
    enabled: true,
  });

  for (const certificate of estate.certificates) {
    new IothubCertificate(stack, id(`certificate_${certificate.name}`), {
      ...onHub,
      name: certificate.name,
      certificateContent: Buffer.from(certificate.certificatePem).toString('base64'),
      isVerified: certificate.verified,
    });
  }

  const owner = new DataAzurermIothubSharedAccessPolicy(stack, id('iothubowner'), { ...onHub, name: 'iothubowner' });
  const output = (name: string, value: string, description: string, sensitive = false) =>
    new TerraformOutput(stack, name, { value, description, sensitive });
  output('resource_group_name', group.name, 'The resource group holding the migrated estate');
  output('iothub_name', hub.name, 'The IoT Hub the devices move to');
  output('iothub_hostname', hub.hostname, 'HostName devices connect to (the Azure side of the rewritten firmware)');
  output('iothub_events_endpoint', hub.eventHubEventsEndpoint, 'Event Hub-compatible endpoint of the built-in events route');
  output('iothub_events_path', hub.eventHubEventsPath, 'Event Hub-compatible name of the built-in events route');
  output(
    'iothub_connection_string',
    owner.primaryConnectionString,
    'For `iotmigrate apply`: export IOTHUB_CONNECTION_STRING="$(terraform output -raw iothub_connection_string)"',
    true,
  );
  return stack.toTerraform() as Record<string, unknown>;
}
