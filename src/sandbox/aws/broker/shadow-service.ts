import type { EstateStore } from '../estate-store.js';
import { applyShadowUpdate, shadowDocumentsPayload, shadowGetPayload, type ShadowError } from '../shadow-document.js';
import { shadowResponseTopic, type ShadowRequestTopic, type ShadowResponse } from './shadow-topics.js';

/** A message the Device Shadow service publishes in answer to a request. */
export interface ShadowReply {
  topic: string;
  payload: Record<string, unknown>;
}

// AWS answers "Invalid clientToken" beyond 64 bytes.
const MAX_CLIENT_TOKEN_BYTES = 64;

/**
 * Serves one Device Shadow MQTT request against the estate, as AWS IoT's shadow service
 * does: mutates `store.estate.shadows` on update and delete, and returns the replies to
 * publish in order (accepted or rejected, then delta and documents after an update).
 * `now` is epoch seconds, the unit of every shadow timestamp.
 */
export function handleShadowRequest(store: EstateStore, request: ShadowRequestTopic, payload: Buffer | string, now: number): ShadowReply[] {
  const { thingName, shadowName, operation } = request;
  const parsed = parseRequest(payload.toString(), operation !== 'update');
  const clientToken = 'code' in parsed ? undefined : parsed.clientToken;
  const withToken = (body: Record<string, unknown>) => (clientToken === undefined ? body : { ...body, clientToken });
  const reply = (response: ShadowResponse, body: Record<string, unknown>): ShadowReply => ({
    topic: shadowResponseTopic(request, response),
    payload: body,
  });
  const rejected = (error: ShadowError) => [
    reply(`${operation}/rejected`, withToken({ code: error.code, message: error.message, timestamp: now })),
  ];
  if ('code' in parsed) return rejected(parsed);

  const shadows = store.estate.shadows[thingName];
  const current = shadows?.[shadowName];
  // AWS names the thing for the classic shadow and the shadow itself for a named one.
  const notFound: ShadowError = { code: 404, message: `No shadow exists with name: '${shadowName || thingName}'` };

  switch (operation) {
    case 'get':
      if (!current) return rejected(notFound);
      // On the wire the timestamp is when the response was generated, not the last update.
      return [reply('get/accepted', withToken({ ...shadowGetPayload(current), timestamp: now }))];

    case 'update': {
      const result = applyShadowUpdate(current, parsed.body, now);
      if ('code' in result) return rejected(result);
      (store.estate.shadows[thingName] ??= {})[shadowName] = result.shadow;
      store.changed();
      return [
        reply('update/accepted', withToken(result.accepted)),
        ...(result.delta ? [reply('update/delta', withToken(result.delta))] : []),
        reply('update/documents', shadowDocumentsPayload(result.previous, result.shadow, now)),
      ];
    }

    case 'delete':
      if (!current || !shadows) return rejected(notFound);
      delete shadows[shadowName];
      store.changed();
      return [reply('delete/accepted', withToken({ version: current.version, timestamp: now }))];
  }
}

type ParsedRequest = { body: Record<string, unknown>; clientToken: string | undefined } | ShadowError;

/** get and delete may come with an empty payload; an update always needs a JSON document. */
function parseRequest(text: string, emptyAllowed: boolean): ParsedRequest {
  if (text.trim() === '' && emptyAllowed) return { body: {}, clientToken: undefined };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { code: 400, message: 'Invalid JSON' };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { code: 400, message: 'Invalid JSON' };
  const clientToken = (body as Record<string, unknown>).clientToken;
  if (clientToken !== undefined && (typeof clientToken !== 'string' || Buffer.byteLength(clientToken) > MAX_CLIENT_TOKEN_BYTES)) {
    return { code: 400, message: 'Invalid clientToken' };
  }
  return { body: body as Record<string, unknown>, clientToken };
}
