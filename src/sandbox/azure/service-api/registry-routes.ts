import { applyBulkOperations } from '../bulk-registry.js';
import { compileDeviceQuery } from '../device-query.js';
import { readRequestedIdentity } from '../device-identity.js';
import type { HubServices } from '../hub-services.js';
import { argumentInvalid } from '../iot-hub-error.js';
import { deviceView, twinView } from '../registry-views.js';
import { isJsonObject } from '../twin-document.js';
import { headerValue, type ServiceRequest, type ServiceResponse, type ServiceRoute } from './service-route.js';

// GET /devices returns at most 1000 devices; the query pages default to 1000 and stop at 10,000 (azure-iothub's documented figures).
const MAX_LIST = 1000;
const DEFAULT_PAGE = 1000;
const MAX_PAGE = 10_000;

/** The identity registry: device CRUD, bulk operations, the twin query, and the registry and service statistics. */
export function registryRoutes(hub: HubServices): ServiceRoute[] {
  const { registry, messages } = hub;
  const device = (id: string): ServiceResponse => {
    const found = registry.getDevice(id);
    return { status: 200, json: deviceView(found, messages.queuedCount(id)), headers: { etag: `"${found.etag}"` } };
  };
  return [
    {
      method: 'GET',
      path: '/devices',
      rights: ['RegistryRead'],
      family: 'identityRegistry',
      body: 'json',
      handle: ({ query }) => {
        const top = query.has('top') ? Number(query.get('top')) : MAX_LIST;
        if (!Number.isInteger(top) || top < 1 || top > MAX_LIST) throw argumentInvalid(`top must be a whole number from 1 to ${MAX_LIST}`);
        return { status: 200, json: registry.listDevices(top).map((found) => deviceView(found, messages.queuedCount(found.deviceId))) };
      },
    },
    { method: 'GET', path: '/devices/{id}', rights: ['RegistryRead'], family: 'identityRegistry', body: 'json', handle: ({ params }) => device(params.id!) },
    {
      method: 'PUT',
      path: '/devices/{id}',
      rights: ['RegistryWrite'],
      family: 'identityRegistry',
      body: 'json',
      handle: ({ params, headers, body }) => {
        const identity = readRequestedIdentity(body, 'deviceId');
        if (identity.deviceId !== params.id) throw argumentInvalid(`The device ID in the body ('${identity.deviceId}') is not the one in the path ('${params.id!}')`);
        // IoT Hub's contract: no If-Match creates, an If-Match (an etag or "*") updates.
        const ifMatch = headerValue(headers, 'if-match');
        if (ifMatch === undefined) registry.createDevice(identity);
        else registry.updateDevice(identity, ifMatch);
        return device(identity.deviceId);
      },
    },
    {
      method: 'DELETE',
      path: '/devices/{id}',
      rights: ['RegistryWrite'],
      family: 'identityRegistry',
      body: 'json',
      handle: ({ params, headers }) => {
        registry.deleteDevice(params.id!, headerValue(headers, 'if-match'));
        return { status: 204 };
      },
    },
    {
      method: 'POST',
      path: '/devices',
      rights: ['RegistryWrite'],
      family: 'identityRegistry',
      body: 'json',
      handle: ({ body }) => {
        const result = applyBulkOperations(registry, body);
        return { status: result.isSuccessful ? 200 : 400, json: result };
      },
    },
    {
      method: 'POST',
      path: '/devices/query',
      rights: ['RegistryRead', 'ServiceConnect'],
      family: 'queries',
      body: 'json',
      handle: (request) => queryTwins(hub, request),
    },
    {
      method: 'GET',
      path: '/statistics/devices',
      rights: ['RegistryRead'],
      family: 'identityRegistry',
      body: 'json',
      handle: () => ({ status: 200, json: registry.statistics() }),
    },
    {
      method: 'GET',
      path: '/statistics/service',
      rights: ['ServiceConnect'],
      family: 'identityRegistry',
      body: 'json',
      handle: () => ({ status: 200, json: { connectedDeviceCount: registry.connectedDeviceCount() } }),
    },
  ];
}

/**
 * `POST /devices/query`: the matching twins in device-ID order, a page at a time. The
 * continuation token is the offset of the next page, opaque to callers as on IoT Hub.
 */
function queryTwins(hub: HubServices, { body, headers }: ServiceRequest): ServiceResponse {
  if (!isJsonObject(body) || typeof body.query !== 'string') throw argumentInvalid('The body must be {"query": "<SQL>"}');
  const query = compileDeviceQuery(body.query);
  const twins = hub.registry
    .sortedDevices()
    .map((found) => twinView(found, hub.messages.queuedCount(found.deviceId)))
    .filter((twin) => query.matches(twin));
  const itemType = { 'x-ms-item-type': 'Twin' };
  if (query.projection.kind === 'count') return { status: 200, json: [{ [query.projection.alias]: twins.length }], headers: itemType };

  const requested = headerValue(headers, 'x-ms-max-item-count');
  const pageSize = requested === undefined ? DEFAULT_PAGE : Math.min(MAX_PAGE, Math.max(1, Number(requested) || DEFAULT_PAGE));
  const offset = readContinuation(headerValue(headers, 'x-ms-continuation'));
  const page = twins.slice(offset, offset + pageSize);
  const next = offset + page.length;
  return {
    status: 200,
    json: page,
    headers: { ...itemType, ...(next < twins.length ? { 'x-ms-continuation': Buffer.from(JSON.stringify({ offset: next })).toString('base64') } : {}) },
  };
}

function readContinuation(token: string | undefined): number {
  if (token === undefined || token === '') return 0;
  try {
    const { offset } = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { offset: unknown };
    if (typeof offset === 'number' && Number.isInteger(offset) && offset >= 0) return offset;
  } catch {
    // Reported below as the caller's mistake.
  }
  throw argumentInvalid('x-ms-continuation is not a continuation token this hub issued');
}
