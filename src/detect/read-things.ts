import { DescribeThingCommand, paginateListThingPrincipals, paginateListThings, type IoTClient } from '@aws-sdk/client-iot';
import { LIST_PAGE_SIZE } from './aws-list-page-size.js';
import { isResourceNotFound } from './aws-failures.js';
import type { ThingReading } from './estate-readings.js';

/** Thing names, a page at a time. */
export async function* listThingNames(client: IoTClient): AsyncGenerator<string[]> {
  for await (const page of paginateListThings({ client, pageSize: LIST_PAGE_SIZE }, {})) {
    yield (page.things ?? []).flatMap((thing) => (thing.thingName ? [thing.thingName] : []));
  }
}

/** DescribeThing adds what ListThings lacks: thingId, defaultClientId, billingGroupName. Null when the thing is gone. */
export async function describeThing(client: IoTClient, thingName: string): Promise<ThingReading | null> {
  try {
    const thing = await client.send(new DescribeThingCommand({ thingName }));
    return {
      thingName,
      thingArn: thing.thingArn ?? '',
      thingId: thing.thingId ?? null,
      thingTypeName: thing.thingTypeName ?? null,
      attributes: { ...thing.attributes },
      version: thing.version ?? 0,
      billingGroupName: thing.billingGroupName ?? null,
      defaultClientId: thing.defaultClientId ?? null,
    };
  } catch (error) {
    if (isResourceNotFound(error)) return null;
    throw error;
  }
}

/** Principal ARNs (certificates, Cognito identities) attached to the thing. Null when the thing is gone. */
export async function listThingPrincipals(client: IoTClient, thingName: string): Promise<string[] | null> {
  const principals: string[] = [];
  try {
    for await (const page of paginateListThingPrincipals({ client, pageSize: LIST_PAGE_SIZE }, { thingName })) {
      principals.push(...(page.principals ?? []));
    }
  } catch (error) {
    if (isResourceNotFound(error)) return null;
    throw error;
  }
  return principals;
}
