import { namespaceName, storageAccountName } from './azure-names.js';
import type { HubSku } from './hub-sizing.js';
import type { PlannedRoute, RoutingEndpoint, RoutingPlan } from './rule-routes.js';

/**
 * The Azure estate as plain data: everything the Terraform JSON holds, decided here and
 * only rendered by synthesize-terraform.ts, so the renderer (CDKTF today) can be
 * replaced without touching a decision, and tests can read the estate directly.
 */
export interface AzureEstate {
  resourceGroup: { name: string; location: string };
  /** Azure resource tags on everything created: where it came from. */
  tags: Record<string, string>;
  hub: { name: string; sku: HubSku; units: number };
  /** Consumer groups on the hub's built-in Event Hub-compatible endpoint. */
  consumerGroups: string[];
  eventHubs: { namespaceName: string; hubs: { name: string; feedsFunction: boolean }[] } | null;
  serviceBus: { namespaceName: string; queues: string[]; topics: string[] } | null;
  storage: { accountName: string; containers: string[] } | null;
  endpoints: RoutingEndpoint[];
  routes: PlannedRoute[];
  certificates: EstateCaCertificate[];
}

export interface EstateCaCertificate {
  /** The name of the certificate on the hub (azurerm_iothub_certificate.name). */
  name: string;
  caCertificateId: string;
  certificatePem: string;
  verified: boolean;
}

/**
 * The consumer group iotmigrate and its operators read the built-in endpoint with, so
 * watching migrated devices never takes $Default away from an existing reader.
 */
export const MIGRATION_CONSUMER_GROUP = 'iotmigrate';

/** The built-in endpoint every device message reaches when no custom route takes it. */
export const BUILT_IN_ENDPOINT = 'events';

export interface EstateInput {
  hubName: string;
  resourceGroupName: string;
  location: string;
  sku: HubSku;
  units: number;
  routing: RoutingPlan;
  certificates: EstateCaCertificate[];
  source: { accountId: string | null; region: string };
}

export function describeAzureEstate(input: EstateInput): AzureEstate {
  const destinations = input.routing.endpoints.map((endpoint) => endpoint.destination);
  const eventHubs = destinations.flatMap((destination) =>
    destination.kind === 'event-hub' ? [{ name: destination.eventHubName, feedsFunction: destination.feedsFunction }] : [],
  );
  const queues = destinations.flatMap((destination) => (destination.kind === 'service-bus-queue' ? [destination.queueName] : []));
  const topics = destinations.flatMap((destination) => (destination.kind === 'service-bus-topic' ? [destination.topicName] : []));
  const containers = destinations.flatMap((destination) => (destination.kind === 'storage-container' ? [destination.containerName] : []));
  return {
    resourceGroup: { name: input.resourceGroupName, location: input.location },
    tags: {
      'managed-by': 'iotmigrate',
      'migrated-from': `aws-iot/${input.source.region}${input.source.accountId ? `/${input.source.accountId}` : ''}`,
    },
    hub: { name: input.hubName, sku: input.sku, units: input.units },
    consumerGroups: [MIGRATION_CONSUMER_GROUP],
    eventHubs: eventHubs.length > 0 ? { namespaceName: namespaceName(input.hubName, 'events'), hubs: eventHubs } : null,
    serviceBus:
      queues.length + topics.length > 0 ? { namespaceName: namespaceName(input.hubName, 'bus'), queues, topics } : null,
    storage: containers.length > 0 ? { accountName: storageAccountName(input.hubName), containers } : null,
    endpoints: input.routing.endpoints,
    routes: input.routing.routes,
    certificates: input.certificates,
  };
}
