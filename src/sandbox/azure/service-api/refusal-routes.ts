import type { HubServices } from '../hub-services.js';
import { argumentInvalid } from '../iot-hub-error.js';
import type { ServiceRoute } from './service-route.js';

/**
 * Sandbox-only endpoints (IoT Hub has none like them) to make the hub refuse chosen
 * devices at run time, for rollback tests and rehearsals from outside the process:
 * - `GET /sandbox/refused-devices` lists them: `[{deviceId, reason}]`;
 * - `PUT /sandbox/refused-devices/{id}` with an optional `{"reason": "..."}` refuses one
 *   (its live connection is dropped, its next CONNECTs get "server unavailable");
 * - `DELETE /sandbox/refused-devices/{id}` admits it again.
 * The device need not be registered yet. Changes take a policy with RegistryWrite.
 */
export function refusalRoutes(hub: HubServices): ServiceRoute[] {
  const { refusals } = hub;
  return [
    {
      method: 'GET',
      path: '/sandbox/refused-devices',
      rights: ['RegistryRead'],
      family: 'sandbox',
      body: 'json',
      handle: () => ({ status: 200, json: refusals.list() }),
    },
    {
      method: 'PUT',
      path: '/sandbox/refused-devices/{id}',
      rights: ['RegistryWrite'],
      family: 'sandbox',
      body: 'json',
      handle: ({ params, body }) => {
        const reason = (body as { reason?: unknown } | undefined)?.reason;
        if (reason !== undefined && (typeof reason !== 'string' || reason === '')) throw argumentInvalid('reason must be a non-empty string');
        refusals.refuse([params.id!], reason);
        return { status: 200, json: refusals.list().find((entry) => entry.deviceId === params.id) };
      },
    },
    {
      method: 'DELETE',
      path: '/sandbox/refused-devices/{id}',
      rights: ['RegistryWrite'],
      family: 'sandbox',
      body: 'json',
      handle: ({ params }) => {
        refusals.admit([params.id!]);
        return { status: 204 };
      },
    },
  ];
}
