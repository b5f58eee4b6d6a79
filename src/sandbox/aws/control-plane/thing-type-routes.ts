import type { EstateThingType } from '../estate.js';
import { resourceNotFound } from './aws-error.js';
import type { ControlPlaneContext } from './control-plane-context.js';
import { optionalParam, pageSizeParam, type ControlPlaneRequest } from './control-plane-request.js';
import { pageOf } from './pagination.js';
import type { Route } from './route-table.js';

const MAX_THING_TYPES_PAGE = 250;

/** Thing types: ListThingTypes and DescribeThingType. */
export function thingTypeRoutes(context: ControlPlaneContext): Route[] {
  const { store } = context;

  const properties = (type: EstateThingType) => ({
    thingTypeDescription: type.description,
    searchableAttributes: type.searchableAttributes,
  });
  const metadata = (type: EstateThingType) => ({ deprecated: type.deprecated, creationDate: type.creationDate });

  const listThingTypes = (request: ControlPlaneRequest) => {
    const nameFilter = optionalParam(request, 'thingTypeName');
    const page = pageOf({
      scope: 'ListThingTypes',
      token: optionalParam(request, 'nextToken'),
      limit: pageSizeParam(request, 'maxResults', MAX_THING_TYPES_PAGE),
      keys: Object.keys(store.estate.thingTypes).sort(),
      select: (name) => {
        if (nameFilter !== undefined && name !== nameFilter) return undefined;
        const type = store.estate.thingTypes[name]!;
        return { thingTypeName: type.thingTypeName, thingTypeArn: type.thingTypeArn, thingTypeProperties: properties(type), thingTypeMetadata: metadata(type) };
      },
    });
    return { thingTypes: page.items, nextToken: page.nextToken };
  };

  const describeThingType = (request: ControlPlaneRequest) => {
    const name = request.params.thingTypeName!;
    const type = store.estate.thingTypes[name];
    if (!type) throw resourceNotFound(`Thing type ${name} does not exist`);
    return {
      thingTypeName: type.thingTypeName,
      thingTypeId: type.thingTypeId,
      thingTypeArn: type.thingTypeArn,
      thingTypeProperties: properties(type),
      thingTypeMetadata: metadata(type),
    };
  };

  return [
    { operation: 'ListThingTypes', method: 'GET', path: '/thing-types', handler: listThingTypes },
    { operation: 'DescribeThingType', method: 'GET', path: '/thing-types/{thingTypeName}', handler: describeThingType },
  ];
}
