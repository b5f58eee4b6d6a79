import type { HubServices } from '../hub-services.js';
import { argumentInvalid } from '../iot-hub-error.js';
import { twinView } from '../registry-views.js';
import { isJsonObject, twinEtag, type JsonValue } from '../twin-document.js';
import { headerValue, type ServiceResponse, type ServiceRoute } from './service-route.js';

// IoT Hub's bounds for a direct method call, in seconds.
const RESPONSE_TIMEOUT = { default: 30, min: 5, max: 300 };
const CONNECT_TIMEOUT = { default: 0, min: 0, max: 300 };

/** Twins (read, merge-patch, replace) and direct methods, which IoT Hub serves under `/twins`. */
export function twinRoutes(hub: HubServices): ServiceRoute[] {
  const { registry, messages, methods } = hub;
  const twin = (id: string): ServiceResponse => {
    const device = registry.getDevice(id);
    return { status: 200, json: twinView(device, messages.queuedCount(id)), headers: { etag: `"${twinEtag(device.twin.version)}"` } };
  };
  return [
    { method: 'GET', path: '/twins/{id}', rights: ['RegistryRead', 'ServiceConnect'], family: 'twinReads', body: 'json', handle: ({ params }) => twin(params.id!) },
    {
      method: 'PATCH',
      path: '/twins/{id}',
      rights: ['ServiceConnect'],
      family: 'twinUpdates',
      body: 'json',
      handle: ({ params, headers, body }) => {
        registry.patchTwin(params.id!, body, headerValue(headers, 'if-match'));
        return twin(params.id!);
      },
    },
    {
      method: 'PUT',
      path: '/twins/{id}',
      rights: ['ServiceConnect'],
      family: 'twinUpdates',
      body: 'json',
      handle: ({ params, headers, body }) => {
        registry.replaceTwin(params.id!, body, headerValue(headers, 'if-match'));
        return twin(params.id!);
      },
    },
    {
      method: 'POST',
      path: '/twins/{id}/methods',
      rights: ['ServiceConnect'],
      family: 'directMethods',
      body: 'json',
      handle: async ({ params, body }) => {
        const deviceId = params.id!;
        registry.getDevice(deviceId);
        if (!isJsonObject(body) || typeof body.methodName !== 'string' || body.methodName === '') {
          throw argumentInvalid('The body must be {"methodName": "...", "payload": ..., "responseTimeoutInSeconds": n}');
        }
        const result = await methods.invoke(deviceId, {
          methodName: body.methodName,
          payload: body.payload === undefined ? null : (body.payload as JsonValue),
          responseTimeoutSeconds: seconds(body.responseTimeoutInSeconds, 'responseTimeoutInSeconds', RESPONSE_TIMEOUT),
          connectTimeoutSeconds: seconds(body.connectTimeoutInSeconds, 'connectTimeoutInSeconds', CONNECT_TIMEOUT),
        });
        return { status: 200, json: result };
      },
    },
  ];
}

function seconds(value: unknown, name: string, bounds: { default: number; min: number; max: number }): number {
  if (value === undefined || value === null) return bounds.default;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < bounds.min || value > bounds.max) {
    throw argumentInvalid(`${name} must be a whole number of seconds from ${bounds.min} to ${bounds.max}`);
  }
  return value;
}
