import { DescribeThingGroupCommand, paginateListThingGroups, paginateListThingsInThingGroup, type IoTClient } from '@aws-sdk/client-iot';
import { LIST_PAGE_SIZE } from './aws-list-page-size.js';
import { isResourceNotFound } from './aws-failures.js';
import type { ThingGroupReading } from './estate-readings.js';

/** Every group, child groups included, a page at a time. */
export async function* listThingGroupNames(client: IoTClient): AsyncGenerator<string[]> {
  for await (const page of paginateListThingGroups({ client, pageSize: LIST_PAGE_SIZE }, {})) {
    yield (page.thingGroups ?? []).flatMap((group) => (group.groupName ? [group.groupName] : []));
  }
}

/** Null when the group is gone. */
export async function describeThingGroup(client: IoTClient, groupName: string): Promise<ThingGroupReading | null> {
  try {
    const group = await client.send(new DescribeThingGroupCommand({ thingGroupName: groupName }));
    return {
      groupName,
      groupArn: group.thingGroupArn ?? '',
      parentGroupName: group.thingGroupMetadata?.parentGroupName ?? null,
      description: group.thingGroupProperties?.thingGroupDescription ?? null,
      attributes: { ...group.thingGroupProperties?.attributePayload?.attributes },
      dynamic: group.queryString
        ? {
            queryString: group.queryString,
            indexName: group.indexName ?? null,
            queryVersion: group.queryVersion ?? null,
            status: group.status ?? null,
          }
        : null,
    };
  } catch (error) {
    if (isResourceNotFound(error)) return null;
    throw error;
  }
}

/**
 * Things directly in the group (not in its child groups); for a dynamic group, the
 * things its query matches now. One paged call per group gives every thing's
 * memberships, where ListThingGroupsForThing would cost a call per thing.
 */
export async function listThingsInThingGroup(client: IoTClient, groupName: string): Promise<string[] | null> {
  const things: string[] = [];
  try {
    for await (const page of paginateListThingsInThingGroup({ client, pageSize: LIST_PAGE_SIZE }, { thingGroupName: groupName, recursive: false })) {
      things.push(...(page.things ?? []));
    }
  } catch (error) {
    if (isResourceNotFound(error)) return null;
    throw error;
  }
  return things;
}
