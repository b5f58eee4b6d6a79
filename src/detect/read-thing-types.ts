import { paginateListThingTypes, type IoTClient } from '@aws-sdk/client-iot';
import type { ThingType } from '../manifest/schema.js';
import { LIST_PAGE_SIZE } from './aws-list-page-size.js';

/** ListThingTypes carries everything the manifest keeps of a type: no per-type call. */
export async function* listThingTypes(client: IoTClient): AsyncGenerator<ThingType[]> {
  for await (const page of paginateListThingTypes({ client, pageSize: LIST_PAGE_SIZE }, {})) {
    yield (page.thingTypes ?? []).flatMap((type) =>
      type.thingTypeName
        ? [
            {
              thingTypeName: type.thingTypeName,
              thingTypeArn: type.thingTypeArn ?? '',
              description: type.thingTypeProperties?.thingTypeDescription ?? null,
              searchableAttributes: [...(type.thingTypeProperties?.searchableAttributes ?? [])],
              deprecated: type.thingTypeMetadata?.deprecated ?? false,
            },
          ]
        : [],
    );
  }
}
