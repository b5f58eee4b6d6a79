import { DeviceMessages } from '../device-messages.js';
import { sendCloudToDevice } from '../device-mqtt/cloud-to-device.js';
import type { HubServices } from '../hub-services.js';
import { argumentInvalid } from '../iot-hub-error.js';
import { setOwn } from '../twin-document.js';
import { headerValue, type ServiceRoute } from './service-route.js';

/**
 * Two endpoints IoT Hub has not, standing in for protocols the sandbox does not speak:
 * - `GET /sandbox/events?deviceId=&after=` reads device-to-cloud events back (on Azure
 *   they go to the Event Hubs-compatible endpoint);
 * - `POST /sandbox/devices/{id}/messages/devicebound` sends a cloud-to-device message
 *   (azure-iothub sends those over AMQP). The body is the payload; `iothub-messageid`,
 *   `iothub-correlationid` and `iothub-app-<name>` headers set its properties, the
 *   conventions of IoT Hub's HTTPS device API.
 * Both take a SAS token of a policy with ServiceConnect, like the operations they replace.
 */
export function sandboxRoutes(hub: HubServices): ServiceRoute[] {
  const { registry, messages } = hub;
  return [
    {
      method: 'GET',
      path: '/sandbox/events',
      rights: ['ServiceConnect'],
      family: 'sandbox',
      body: 'json',
      handle: ({ query }) => {
        const after = query.get('after');
        if (after !== null && !/^\d+$/.test(after)) throw argumentInvalid('after must be a sequence number');
        const events = messages.listEvents({ deviceId: query.get('deviceId') ?? undefined, after: after === null ? undefined : Number(after) });
        return { status: 200, json: events.map(({ body, ...event }) => ({ ...event, body: body.toString('base64') })) };
      },
    },
    {
      method: 'POST',
      path: '/sandbox/devices/{id}/messages/devicebound',
      rights: ['ServiceConnect'],
      family: 'sandbox',
      body: 'raw',
      handle: ({ params, headers, body }) => {
        const deviceId = params.id!;
        registry.getDevice(deviceId);
        const properties: Record<string, string> = {};
        for (const name of Object.keys(headers)) {
          const value = headerValue(headers, name);
          if (name.startsWith('iothub-app-') && value !== undefined) setOwn(properties, name.slice('iothub-app-'.length), value);
        }
        const message = DeviceMessages.message(body as Buffer, {
          messageId: headerValue(headers, 'iothub-messageid'),
          correlationId: headerValue(headers, 'iothub-correlationid'),
          properties,
        });
        const delivered = sendCloudToDevice(hub, deviceId, message);
        return { status: 202, json: { messageId: message.messageId, delivered } };
      },
    },
  ];
}
