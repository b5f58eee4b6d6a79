import { randomUUID } from 'node:crypto';
import { arn, type EstateThing } from '../estate.js';
import { invalidRequest, resourceAlreadyExists, resourceNotFound } from './aws-error.js';
import type { ControlPlaneContext } from './control-plane-context.js';
import {
  attributesMember,
  booleanParam,
  enumParam,
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

const MAX_THINGS_PAGE = 250;
const THING_PRINCIPAL_TYPES = ['EXCLUSIVE_THING', 'NON_EXCLUSIVE_THING'] as const;

/** The thing registry: ListThings, DescribeThing, CreateThing and a thing's principals. */
export function thingRoutes(context: ControlPlaneContext): Route[] {
  const { store, views } = context;
  const sortedThingNames = () => views.get('things:sorted', () => store.sortedThingNames());

  const thingOrThrow = (thingName: string): EstateThing => {
    const thing = store.estate.things[thingName];
    if (!thing) throw resourceNotFound(`Thing ${thingName} cannot be found.`);
    return thing;
  };

  const listThings = (request: ControlPlaneRequest) => {
    const limit = pageSizeParam(request, 'maxResults', MAX_THINGS_PAGE);
    const attributeName = optionalParam(request, 'attributeName');
    const attributeValue = optionalParam(request, 'attributeValue');
    const usePrefix = booleanParam(request, 'usePrefixAttributeValue') ?? false;
    const thingTypeName = optionalParam(request, 'thingTypeName');
    if ((attributeName === undefined) !== (attributeValue === undefined)) {
      throw invalidRequest('attributeName and attributeValue must be given together');
    }
    const matchesAttribute = (thing: EstateThing) => {
      if (attributeName === undefined || attributeValue === undefined) return true;
      const value = thing.attributes[attributeName];
      return value !== undefined && (usePrefix ? value.startsWith(attributeValue) : value === attributeValue);
    };
    const page = pageOf({
      scope: 'ListThings',
      token: optionalParam(request, 'nextToken'),
      limit,
      keys: sortedThingNames(),
      select: (thingName) => {
        const thing = store.estate.things[thingName]!;
        if (thingTypeName !== undefined && thing.thingTypeName !== thingTypeName) return undefined;
        if (!matchesAttribute(thing)) return undefined;
        return {
          thingName: thing.thingName,
          thingTypeName: thing.thingTypeName,
          thingArn: thing.thingArn,
          attributes: thing.attributes,
          version: thing.version,
        };
      },
    });
    return { things: page.items, nextToken: page.nextToken };
  };

  const describeThing = (request: ControlPlaneRequest) => {
    const thing = thingOrThrow(request.params.thingName!);
    return {
      // AWS's default client ID is the thing name: devices connect with it as their MQTT client ID.
      defaultClientId: thing.thingName,
      thingName: thing.thingName,
      thingId: thing.thingId,
      thingArn: thing.thingArn,
      thingTypeName: thing.thingTypeName,
      attributes: thing.attributes,
      version: thing.version,
      billingGroupName: thing.billingGroupName,
    };
  };

  const createThing = (request: ControlPlaneRequest) => {
    const thingName = validateResourceName(request.params.thingName!, 'thingName');
    const body = jsonBody(request);
    const thingTypeName = stringMember(body, 'thingTypeName');
    const attributePayload = body.attributePayload as { attributes?: unknown } | undefined;
    const attributes = attributesMember(attributePayload?.attributes, 'attributePayload.attributes');
    const billingGroupName = stringMember(body, 'billingGroupName');
    if (thingTypeName !== undefined) {
      const type = store.estate.thingTypes[thingTypeName];
      if (!type) throw resourceNotFound(`Thing type ${thingTypeName} does not exist`);
      if (type.deprecated) throw invalidRequest(`Can not create new thing with deprecated thing type: ${thingTypeName}`);
    }
    // The sandbox emulates no billing groups, so naming one can only fail, as it would
    // in an account that has none.
    if (billingGroupName !== undefined) throw resourceNotFound(`Billing group ${billingGroupName} does not exist`);

    const existing = store.estate.things[thingName];
    if (existing) {
      // CreateThing is idempotent for the same definition, as in AWS.
      const same = existing.thingTypeName === thingTypeName && sameAttributes(existing.attributes, attributes);
      if (!same) throw resourceAlreadyExists(`Thing ${thingName} already exists in account with different attributes`, existing.thingId, existing.thingArn);
      return { thingName, thingArn: existing.thingArn, thingId: existing.thingId };
    }
    const thing: EstateThing = {
      thingName,
      thingId: randomUUID(),
      thingArn: arn(store.estate, `thing/${thingName}`),
      ...(thingTypeName !== undefined ? { thingTypeName } : {}),
      attributes,
      version: 1,
      creationDate: context.now(),
    };
    store.estate.things[thingName] = thing;
    store.changed();
    return { thingName, thingArn: thing.thingArn, thingId: thing.thingId };
  };

  const principalsPage = (request: ControlPlaneRequest, scope: string) => {
    const thingName = request.params.thingName!;
    thingOrThrow(thingName);
    return pageOf({
      scope,
      token: optionalParam(request, 'nextToken'),
      limit: pageSizeParam(request, 'maxResults', MAX_THINGS_PAGE),
      keys: [...(store.estate.thingPrincipals[thingName] ?? [])].sort(),
    });
  };

  const listThingPrincipals = (request: ControlPlaneRequest) => {
    const page = principalsPage(request, 'ListThingPrincipals');
    return { principals: page.items, nextToken: page.nextToken };
  };

  // The estate records no exclusive attachments, so every principal is NON_EXCLUSIVE_THING
  // (AttachThingPrincipal refuses EXCLUSIVE_THING rather than forget it).
  const listThingPrincipalsV2 = (request: ControlPlaneRequest) => {
    const type = enumParam(request, 'thingPrincipalType', THING_PRINCIPAL_TYPES);
    const page = principalsPage(request, 'ListThingPrincipalsV2');
    const objects = type === 'EXCLUSIVE_THING' ? [] : page.items.map((principal) => ({ principal, thingPrincipalType: 'NON_EXCLUSIVE_THING' }));
    return { thingPrincipalObjects: objects, nextToken: type === 'EXCLUSIVE_THING' ? undefined : page.nextToken };
  };

  const attachThingPrincipal = (request: ControlPlaneRequest) => {
    const thingName = request.params.thingName!;
    const principal = request.headers['x-amzn-principal'];
    if (typeof principal !== 'string' || principal === '') throw invalidRequest('The x-amzn-principal header naming the principal is required');
    if (enumParam(request, 'thingPrincipalType', THING_PRINCIPAL_TYPES) === 'EXCLUSIVE_THING') {
      throw invalidRequest('The sandbox emulates only NON_EXCLUSIVE_THING attachments');
    }
    thingOrThrow(thingName);
    if (!store.certificateByArn(principal)) throw resourceNotFound(`The certificate ${principal} does not exist`);
    const principals = (store.estate.thingPrincipals[thingName] ??= []);
    if (!principals.includes(principal)) {
      principals.push(principal);
      store.changed();
    }
    return {};
  };

  return [
    { operation: 'ListThings', method: 'GET', path: '/things', handler: listThings },
    { operation: 'DescribeThing', method: 'GET', path: '/things/{thingName}', handler: describeThing },
    { operation: 'CreateThing', method: 'POST', path: '/things/{thingName}', handler: createThing },
    { operation: 'ListThingPrincipals', method: 'GET', path: '/things/{thingName}/principals', handler: listThingPrincipals },
    { operation: 'ListThingPrincipalsV2', method: 'GET', path: '/things/{thingName}/principals-v2', handler: listThingPrincipalsV2 },
    { operation: 'AttachThingPrincipal', method: 'PUT', path: '/things/{thingName}/principals', handler: attachThingPrincipal },
  ];
}
