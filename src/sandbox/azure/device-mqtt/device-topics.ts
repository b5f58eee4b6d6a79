import { setOwn } from '../twin-document.js';

/**
 * IoT Hub's device MQTT topics, as azure-iot-device-mqtt uses them. A device publishes
 * telemetry, twin requests and method replies, and subscribes to four filters; the hub
 * answers on topics of its own. Device IDs in topics are compared as they are, since
 * the SDK puts them there unencoded.
 */
export type DeviceRequest =
  | { kind: 'telemetry'; properties: Record<string, string> }
  | { kind: 'twinGet'; requestId: string }
  | { kind: 'reportedPatch'; requestId: string }
  | { kind: 'methodResponse'; requestId: string; status: number };

/** What a device may subscribe to, each named by what it receives. */
export type DeviceSubscription = 'cloudToDevice' | 'methods' | 'twinResponses' | 'desiredUpdates';

const TWIN_GET = '$iothub/twin/GET/';
const REPORTED_PATCH = '$iothub/twin/PATCH/properties/reported/';
const METHOD_RESPONSE = /^\$iothub\/methods\/res\/(\d{3})\/\?(.*)$/;

/** The request a device publishes on `topic`, or undefined when the topic is not one a device may publish to. */
export function parseDeviceRequest(topic: string, deviceId: string): DeviceRequest | undefined {
  const telemetry = `devices/${deviceId}/messages/events/`;
  if (topic.startsWith(telemetry) || topic === telemetry.slice(0, -1)) {
    return { kind: 'telemetry', properties: parsePropertyBag(topic.slice(telemetry.length).replace(/\/$/, '')) };
  }
  if (topic.startsWith(TWIN_GET)) return withRequestId(topic.slice(TWIN_GET.length), (requestId) => ({ kind: 'twinGet', requestId }));
  if (topic.startsWith(REPORTED_PATCH)) {
    return withRequestId(topic.slice(REPORTED_PATCH.length), (requestId) => ({ kind: 'reportedPatch', requestId }));
  }
  const method = METHOD_RESPONSE.exec(topic);
  if (method) return withRequestId(`?${method[2]!}`, (requestId) => ({ kind: 'methodResponse', requestId, status: Number(method[1]) }));
  return undefined;
}

function withRequestId(query: string, build: (requestId: string) => DeviceRequest): DeviceRequest | undefined {
  if (!query.startsWith('?')) return undefined;
  const requestId = parsePropertyBag(query.slice(1)).$rid;
  return requestId ? build(requestId) : undefined;
}

export function classifySubscription(filter: string, deviceId: string): DeviceSubscription | undefined {
  switch (filter) {
    case `devices/${deviceId}/messages/devicebound/#`:
      return 'cloudToDevice';
    case '$iothub/methods/POST/#':
      return 'methods';
    case '$iothub/twin/res/#':
      return 'twinResponses';
    case '$iothub/twin/PATCH/properties/desired/#':
      return 'desiredUpdates';
    default:
      return undefined;
  }
}

/** `a=1&%24.mid=x` → `{a: '1', '$.mid': 'x'}`; pairs that do not decode are kept as sent. */
export function parsePropertyBag(text: string): Record<string, string> {
  const properties: Record<string, string> = {};
  for (const pair of text.split('&')) {
    if (!pair) continue;
    const at = pair.indexOf('=');
    const [name, value] = at < 0 ? [pair, ''] : [pair.slice(0, at), pair.slice(at + 1)];
    setOwn(properties, decodeLenient(name), decodeLenient(value));
  }
  return properties;
}

function decodeLenient(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function formatPropertyBag(properties: Record<string, string>): string {
  return Object.entries(properties)
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
    .join('&');
}

export const twinResponseTopic = (status: number, requestId: string, version?: number) =>
  `$iothub/twin/res/${status}/?$rid=${requestId}${version === undefined ? '' : `&$version=${version}`}`;

export const desiredUpdateTopic = (version: number) => `$iothub/twin/PATCH/properties/desired/?$version=${version}`;

export const methodRequestTopic = (methodName: string, requestId: string) => `$iothub/methods/POST/${methodName}/?$rid=${requestId}`;

export const cloudToDeviceTopic = (deviceId: string, properties: Record<string, string>) =>
  `devices/${deviceId}/messages/devicebound/${formatPropertyBag(properties)}`;
