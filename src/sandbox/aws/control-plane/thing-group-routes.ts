import { randomUUID } from 'node:crypto';
import { arn, type EstateThingGroup } from '../estate.js';
import { compileFleetQuery, InvalidQueryError } from '../fleet-index-query.js';
import { invalidQuery, invalidRequest, resourceAlreadyExists, resourceNotFound } from './aws-error.js';
import { nameFromArn, type ControlPlaneContext } from './control-plane-context.js';
import {
  attributesMember,
  booleanParam,
  jsonBody,
  optionalParam,
  pageSizeParam,
  sameAttributes,
  stringMember,
  validateResourceName,
  type ControlPlaneRequest,
} from './control-plane-request.js';
import { pageOf } from './pagination.js';
import type { Route } from './route-table.js';

const MAX_GROUPS_PAGE = 250;
const FLEET_INDEX = 'AWS_Things';
const DEFAULT_QUERY_VERSION = '2017-09-30';

/** Static and dynamic thing groups, their hierarchy and their members. */
export function thingGroupRoutes(context: ControlPlaneContext): Route[] {
  const { store, views } = context;
  const groups = () => store.estate.thingGroups;
  const sortedGroupNames = () => views.get('groups:sorted', () => Object.keys(groups()).sort());

  const groupOrThrow = (groupName: string): EstateThingGroup => {
    const group = groups()[groupName];
    if (!group) throw resourceNotFound(`Thing group ${groupName} cannot be found.`);
    return group;
  };

  /** The group's ancestors, root first. */
  const ancestorsOf = (group: EstateThingGroup): EstateThingGroup[] => {
    const chain: EstateThingGroup[] = [];
    for (let parent = group.parentGroupName; parent; parent = groups()[parent]?.parentGroupName) {
      const ancestor = groups()[parent];
      if (!ancestor) break;
      chain.unshift(ancestor);
    }
    return chain;
  };

  const listThingGroups = (request: ControlPlaneRequest) => {
    const parentGroup = optionalParam(request, 'parentGroup');
    const prefix = optionalParam(request, 'namePrefixFilter');
    const recursive = booleanParam(request, 'recursive') ?? false;
    if (parentGroup !== undefined) groupOrThrow(parentGroup);
    // Without a parent every group is listed; with one, its children, or all its descendants when recursive.
    const underParent = (group: EstateThingGroup) =>
      parentGroup === undefined ||
      (recursive ? ancestorsOf(group).some((ancestor) => ancestor.groupName === parentGroup) : group.parentGroupName === parentGroup);
    const page = pageOf({
      scope: 'ListThingGroups',
      token: optionalParam(request, 'nextToken'),
      limit: pageSizeParam(request, 'maxResults', MAX_GROUPS_PAGE),
      keys: sortedGroupNames(),
      select: (groupName) => {
        const group = groups()[groupName]!;
        if (prefix !== undefined && !groupName.startsWith(prefix)) return undefined;
        return underParent(group) ? { groupName, groupArn: group.groupArn } : undefined;
      },
    });
    return { thingGroups: page.items, nextToken: page.nextToken };
  };

  const describeThingGroup = (request: ControlPlaneRequest) => {
    const group = groupOrThrow(request.params.thingGroupName!);
    const rootToParent = ancestorsOf(group).map((ancestor) => ({ groupName: ancestor.groupName, groupArn: ancestor.groupArn }));
    return {
      thingGroupName: group.groupName,
      thingGroupId: group.groupId,
      thingGroupArn: group.groupArn,
      version: group.version,
      thingGroupProperties: { thingGroupDescription: group.description, attributePayload: { attributes: group.attributes } },
      thingGroupMetadata: {
        parentGroupName: group.parentGroupName,
        rootToParentThingGroups: rootToParent.length > 0 ? rootToParent : undefined,
        creationDate: group.creationDate,
      },
      ...(group.dynamic ? { ...group.dynamic, status: 'ACTIVE' } : {}),
    };
  };

  const groupProperties = (body: Record<string, unknown>) => {
    const properties = (body.thingGroupProperties ?? {}) as { thingGroupDescription?: unknown; attributePayload?: { attributes?: unknown } };
    const description = properties.thingGroupDescription;
    if (description !== undefined && typeof description !== 'string') {
      throw invalidRequest("Value at 'thingGroupProperties.thingGroupDescription' must be a string");
    }
    return { description, attributes: attributesMember(properties.attributePayload?.attributes, 'thingGroupProperties.attributePayload.attributes') };
  };

  /** Stores a new group, or returns the existing one when the definition is the same (creates are idempotent in AWS). */
  const createGroup = (proposed: Omit<EstateThingGroup, 'groupId' | 'groupArn' | 'version' | 'creationDate' | 'members'>) => {
    const existing = groups()[proposed.groupName];
    if (existing) {
      const same =
        existing.parentGroupName === proposed.parentGroupName &&
        existing.description === proposed.description &&
        sameAttributes(existing.attributes, proposed.attributes) &&
        existing.dynamic?.queryString === proposed.dynamic?.queryString;
      if (!same) {
        throw resourceAlreadyExists(`Thing Group ${proposed.groupName} already exists with different tags or properties`, existing.groupId, existing.groupArn);
      }
      return existing;
    }
    const group: EstateThingGroup = {
      ...proposed,
      groupId: randomUUID(),
      groupArn: arn(store.estate, `thinggroup/${proposed.groupName}`),
      version: 1,
      creationDate: context.now(),
      members: [],
    };
    groups()[group.groupName] = group;
    store.changed();
    return group;
  };

  const createThingGroup = (request: ControlPlaneRequest) => {
    const groupName = validateResourceName(request.params.thingGroupName!, 'thingGroupName');
    const body = jsonBody(request);
    const parentGroupName = stringMember(body, 'parentGroupName');
    if (parentGroupName !== undefined && groupOrThrow(parentGroupName).dynamic) {
      throw invalidRequest(`Dynamic thing group ${parentGroupName} cannot be a parent group`);
    }
    const { description, attributes } = groupProperties(body);
    const group = createGroup({
      groupName,
      ...(parentGroupName !== undefined ? { parentGroupName } : {}),
      ...(description !== undefined ? { description } : {}),
      attributes,
    });
    return { thingGroupName: group.groupName, thingGroupArn: group.groupArn, thingGroupId: group.groupId };
  };

  const createDynamicThingGroup = (request: ControlPlaneRequest) => {
    const groupName = validateResourceName(request.params.thingGroupName!, 'thingGroupName');
    const body = jsonBody(request);
    const queryString = stringMember(body, 'queryString', { required: true });
    const indexName = stringMember(body, 'indexName') ?? FLEET_INDEX;
    const queryVersion = stringMember(body, 'queryVersion') ?? DEFAULT_QUERY_VERSION;
    if (indexName !== FLEET_INDEX) throw resourceNotFound(`Index ${indexName} does not exist`);
    try {
      compileFleetQuery(queryString);
    } catch (error) {
      if (error instanceof InvalidQueryError) throw invalidQuery(error.message);
      throw error;
    }
    const { description, attributes } = groupProperties(body);
    const group = createGroup({
      groupName,
      ...(description !== undefined ? { description } : {}),
      attributes,
      dynamic: { queryString, indexName, queryVersion },
    });
    return { thingGroupName: group.groupName, thingGroupArn: group.groupArn, thingGroupId: group.groupId, ...group.dynamic };
  };

  const listThingsInThingGroup = (request: ControlPlaneRequest) => {
    const group = groupOrThrow(request.params.thingGroupName!);
    const recursive = booleanParam(request, 'recursive') ?? false;
    const page = pageOf({
      scope: 'ListThingsInThingGroup',
      token: optionalParam(request, 'nextToken'),
      limit: pageSizeParam(request, 'maxResults', MAX_GROUPS_PAGE),
      keys: views.get(`group-members:${recursive}:${group.groupName}`, () => store.thingsInGroup(group, recursive)),
    });
    return { things: page.items, nextToken: page.nextToken };
  };

  const listThingGroupsForThing = (request: ControlPlaneRequest) => {
    const thingName = request.params.thingName!;
    if (!store.estate.things[thingName]) throw resourceNotFound(`Thing ${thingName} cannot be found.`);
    const page = pageOf({
      scope: 'ListThingGroupsForThing',
      token: optionalParam(request, 'nextToken'),
      limit: pageSizeParam(request, 'maxResults', MAX_GROUPS_PAGE),
      keys: store.groupsForThing(thingName).map((group) => group.groupName).sort(),
      select: (groupName) => ({ groupName, groupArn: groups()[groupName]!.groupArn }),
    });
    return { thingGroups: page.items, nextToken: page.nextToken };
  };

  const addThingToThingGroup = (request: ControlPlaneRequest) => {
    const body = jsonBody(request);
    const groupName = stringMember(body, 'thingGroupName') ?? nameFromArn(stringMember(body, 'thingGroupArn') ?? '', 'thinggroup');
    const thingName = stringMember(body, 'thingName') ?? nameFromArn(stringMember(body, 'thingArn') ?? '', 'thing');
    if (groupName === undefined) throw invalidRequest('Either thingGroupName or thingGroupArn is required');
    if (thingName === undefined) throw invalidRequest('Either thingName or thingArn is required');
    const group = groupOrThrow(groupName);
    if (!store.estate.things[thingName]) throw resourceNotFound(`Thing ${thingName} cannot be found.`);
    if (group.dynamic) throw invalidRequest(`Cannot add things to dynamic thing group ${groupName}: its query decides its members`);
    if (!group.members.includes(thingName)) {
      group.members.push(thingName);
      store.changed();
    }
    return {};
  };

  return [
    { operation: 'ListThingGroups', method: 'GET', path: '/thing-groups', handler: listThingGroups },
    { operation: 'DescribeThingGroup', method: 'GET', path: '/thing-groups/{thingGroupName}', handler: describeThingGroup },
    { operation: 'CreateThingGroup', method: 'POST', path: '/thing-groups/{thingGroupName}', handler: createThingGroup },
    { operation: 'CreateDynamicThingGroup', method: 'POST', path: '/dynamic-thing-groups/{thingGroupName}', handler: createDynamicThingGroup },
    { operation: 'ListThingsInThingGroup', method: 'GET', path: '/thing-groups/{thingGroupName}/things', handler: listThingsInThingGroup },
    { operation: 'ListThingGroupsForThing', method: 'GET', path: '/things/{thingName}/thing-groups', handler: listThingGroupsForThing },
    { operation: 'AddThingToThingGroup', method: 'PUT', path: '/thing-groups/addThingToThingGroup', handler: addThingToThingGroup },
  ];
}
