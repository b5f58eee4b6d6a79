import { GetThingShadowCommand, ListNamedShadowsForThingCommand, type IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import type { Shadow } from '../manifest/schema.js';
import { isResourceNotFound } from './aws-failures.js';

/** The data plane's page limit for ListNamedShadowsForThing. */
const SHADOW_PAGE_SIZE = 100;

/** The thing's classic shadow (when it has one) and every named shadow, classic first. */
export async function readThingShadows(client: IoTDataPlaneClient, thingName: string): Promise<Shadow[]> {
  const names = await listNamedShadows(client, thingName);
  const shadows = await Promise.all([getShadow(client, thingName, null), ...names.map((name) => getShadow(client, thingName, name))]);
  return shadows.filter((shadow): shadow is Shadow => shadow !== null);
}

/** The SDK has no paginator for this operation, so it pages by hand. */
async function listNamedShadows(client: IoTDataPlaneClient, thingName: string): Promise<string[]> {
  const names: string[] = [];
  let nextToken: string | undefined;
  try {
    do {
      const page = await client.send(new ListNamedShadowsForThingCommand({ thingName, nextToken, pageSize: SHADOW_PAGE_SIZE }));
      names.push(...(page.results ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
  } catch (error) {
    if (isResourceNotFound(error)) return [];
    throw error;
  }
  return names;
}

/** Null when there is no such shadow: a thing need not have a classic shadow at all. */
async function getShadow(client: IoTDataPlaneClient, thingName: string, shadowName: string | null): Promise<Shadow | null> {
  try {
    const { payload } = await client.send(new GetThingShadowCommand({ thingName, ...(shadowName === null ? {} : { shadowName }) }));
    const document = JSON.parse(Buffer.from(payload ?? new Uint8Array()).toString('utf8') || '{}') as {
      state?: { desired?: Record<string, unknown>; reported?: Record<string, unknown> };
      version?: number;
    };
    return {
      name: shadowName,
      desired: document.state?.desired ?? null,
      reported: document.state?.reported ?? null,
      version: document.version ?? 0,
    };
  } catch (error) {
    if (isResourceNotFound(error)) return null;
    throw error;
  }
}
