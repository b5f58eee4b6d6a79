import { CLASSIC_SHADOW } from '../estate.js';
import { applyShadowUpdate, shadowGetPayload, type ShadowError } from '../shadow-document.js';
import { AwsError, invalidRequest, resourceNotFound } from './aws-error.js';
import type { ControlPlaneContext } from './control-plane-context.js';
import { optionalParam, pageSizeParam, type ControlPlaneRequest } from './control-plane-request.js';
import { pageOf } from './pagination.js';
import type { Route } from './route-table.js';

const MAX_SHADOWS_PAGE = 100;
// AWS's pattern for shadow names; `$`-prefixed names are reserved for AWS.
const SHADOW_NAME = /^[a-zA-Z0-9:_-]{1,64}$/;
// AWS refuses a client token beyond 64 bytes.
const MAX_CLIENT_TOKEN_BYTES = 64;

/** The shadow semantics' error codes, as the data plane's REST errors name them. */
const SHADOW_ERROR_TYPES: Record<ShadowError['code'], string> = {
  400: 'InvalidRequestException',
  404: 'ResourceNotFoundException',
  409: 'ConflictException',
  413: 'RequestEntityTooLargeException',
};

/**
 * The Device Shadow REST API of the data plane (`@aws-sdk/client-iot-data-plane`),
 * served beside the control plane. Shadow documents travel as raw JSON bytes (the SDK
 * hands them over as a Uint8Array `payload`). As in AWS, a shadow needs no registered
 * thing: devices may keep shadows under any thing name.
 */
export function shadowRoutes(context: ControlPlaneContext): Route[] {
  const { store } = context;

  const shadowNameOf = (request: ControlPlaneRequest): string => {
    const name = optionalParam(request, 'name');
    if (name === undefined) return CLASSIC_SHADOW;
    if (!SHADOW_NAME.test(name)) throw invalidRequest(`Invalid shadow name: ${name}`);
    return name;
  };
  // AWS names the thing for the classic shadow and the shadow itself for a named one.
  const noShadow = (thingName: string, shadowName: string) => resourceNotFound(`No shadow exists with name: '${shadowName || thingName}'`);
  const json = (value: unknown) => Buffer.from(JSON.stringify(value));

  const getThingShadow = (request: ControlPlaneRequest) => {
    const thingName = request.params.thingName!;
    const shadowName = shadowNameOf(request);
    const shadow = store.estate.shadows[thingName]?.[shadowName];
    if (!shadow) throw noShadow(thingName, shadowName);
    // On the wire the timestamp is when the response was generated, not the last update.
    return json({ ...shadowGetPayload(shadow), timestamp: context.now() });
  };

  const updateThingShadow = (request: ControlPlaneRequest) => {
    const thingName = request.params.thingName!;
    const shadowName = shadowNameOf(request);
    let document: unknown;
    try {
      document = JSON.parse(request.body.toString('utf8'));
    } catch {
      throw invalidRequest('Payload contains invalid json');
    }
    const clientToken = (document as { clientToken?: unknown } | null)?.clientToken;
    if (clientToken !== undefined && (typeof clientToken !== 'string' || Buffer.byteLength(clientToken) > MAX_CLIENT_TOKEN_BYTES)) {
      throw invalidRequest('Invalid clientToken');
    }
    const shadows = store.estate.shadows[thingName];
    const result = applyShadowUpdate(shadows?.[shadowName], document, context.now());
    if ('code' in result) throw new AwsError(SHADOW_ERROR_TYPES[result.code], result.code, result.message);
    store.estate.shadows[thingName] = { ...shadows, [shadowName]: result.shadow };
    store.changed();
    return json({ ...result.accepted, ...(clientToken !== undefined ? { clientToken } : {}) });
  };

  const deleteThingShadow = (request: ControlPlaneRequest) => {
    const thingName = request.params.thingName!;
    const shadowName = shadowNameOf(request);
    const shadows = store.estate.shadows[thingName];
    const shadow = shadows?.[shadowName];
    if (!shadows || !shadow) throw noShadow(thingName, shadowName);
    delete shadows[shadowName];
    store.changed();
    return json({ version: shadow.version, timestamp: context.now() });
  };

  const listNamedShadowsForThing = (request: ControlPlaneRequest) => {
    const thingName = request.params.thingName!;
    const names = Object.keys(store.estate.shadows[thingName] ?? {})
      .filter((name) => name !== CLASSIC_SHADOW)
      .sort();
    const page = pageOf({
      scope: 'ListNamedShadowsForThing',
      token: optionalParam(request, 'nextToken'),
      limit: pageSizeParam(request, 'pageSize', MAX_SHADOWS_PAGE),
      keys: names,
    });
    return { results: page.items, nextToken: page.nextToken, timestamp: context.now() };
  };

  return [
    { operation: 'GetThingShadow', method: 'GET', path: '/things/{thingName}/shadow', handler: getThingShadow },
    { operation: 'UpdateThingShadow', method: 'POST', path: '/things/{thingName}/shadow', handler: updateThingShadow },
    { operation: 'DeleteThingShadow', method: 'DELETE', path: '/things/{thingName}/shadow', handler: deleteThingShadow },
    {
      operation: 'ListNamedShadowsForThing',
      method: 'GET',
      path: '/api/things/shadow/ListNamedShadowsForThing/{thingName}',
      handler: listNamedShadowsForThing,
    },
  ];
}
