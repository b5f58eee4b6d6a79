import { ts } from 'ts-morph';
import { isClientKind, type ClientKind } from '../analysis/aws-value-kinds.js';
import { quoted } from '../edits/source-style.js';
import { ignoreOutcomeText, openWithErrorEventCall } from './support/azure-code.js';
import { inlineFunction, isInAsyncFunction, literalText, useOfCall } from './support/call-shapes.js';
import { parameterReferences, type InlineHandler } from './support/handler-rewrite.js';
import { FileEdits, type AnalysedFile, type AwsMemberCall, type Transform } from './transform.js';

const LISTENER_METHODS = new Set(['on', 'once', 'addListener', 'prependListener', 'prependOnceListener', 'off', 'removeListener']);

/**
 * What an AWS client event becomes on the Azure client, which emits 'connect' (also
 * after each reconnect), 'disconnect' (once its retry policy has given up),
 * 'error' and 'message'. `params` says whether the listener's arguments carry over;
 * `field` maps the one field of the AWS event object that does (`event.error`).
 */
interface EventMapping {
  azure: string | undefined;
  note: string;
  params: 'none' | 'same' | 'error-field' | 'reason-field';
}

const CONNECT: EventMapping = { azure: 'connect', note: "'connect' fires on the first connection and after every reconnect.", params: 'none' };
const DISCONNECT: EventMapping = {
  azure: 'disconnect',
  note: "The Azure client reconnects by itself under its retry policy and emits 'disconnect' only when it gives up; brief drops no longer show here.",
  params: 'none',
};
const ERROR: EventMapping = { azure: 'error', note: "'error', as before.", params: 'same' };
const RECONNECTING: EventMapping = {
  azure: undefined,
  note: "There is no 'reconnecting' event: the Azure client retries under its retry policy (client.setRetryPolicy) and emits 'connect' when it is back. This listener no longer fires.",
  params: 'none',
};

const EVENTS: Record<ClientKind, Record<string, EventMapping>> = {
  'v1-device': v1Events(),
  'v1-thing-shadow': v1Events(),
  'mqttjs-client': {
    ...v1Events(),
    disconnect: { ...DISCONNECT, note: `A server DISCONNECT packet: ${DISCONNECT.note}` },
  },
  'v2-mqtt3-connection': {
    connect: CONNECT,
    connection_success: CONNECT,
    resume: { ...CONNECT, note: `'resume' → 'connect': ${CONNECT.note}` },
    connection_failure: { azure: 'error', note: "A failed connection attempt → 'error' (the listener gets the Error itself).", params: 'error-field' },
    interrupt: { ...DISCONNECT, note: `'interrupt' → 'disconnect'. ${DISCONNECT.note}` },
    disconnect: DISCONNECT,
    closed: { ...DISCONNECT, note: `'closed' → 'disconnect'. ${DISCONNECT.note}` },
    error: ERROR,
  },
  'v2-mqtt5-client': {
    connectionSuccess: { ...CONNECT, note: `'connectionSuccess' → 'connect': ${CONNECT.note}` },
    connectionFailure: { azure: 'error', note: "'connectionFailure' → 'error' (the listener gets the Error itself).", params: 'error-field' },
    disconnection: { ...DISCONNECT, note: `'disconnection' → 'disconnect' (event.error is now event.reason). ${DISCONNECT.note}`, params: 'reason-field' },
    stopped: { ...DISCONNECT, note: `'stopped' → 'disconnect'. ${DISCONNECT.note}` },
    attemptingConnect: { ...RECONNECTING, note: "There is no 'attemptingConnect' event on the Azure client: it connects on open() and retries by itself. This listener no longer fires." },
    error: ERROR,
  },
};

function v1Events(): Record<string, EventMapping> {
  return {
    connect: CONNECT,
    close: { ...DISCONNECT, note: `'close' → 'disconnect'. ${DISCONNECT.note}` },
    offline: { ...DISCONNECT, note: `'offline' → 'disconnect'. ${DISCONNECT.note}` },
    end: { ...DISCONNECT, note: `'end' → 'disconnect', which close() also emits.` },
    reconnect: RECONNECTING,
    error: ERROR,
  };
}

/**
 * Connection lifecycle: event listeners on the client (and `events.once(client, …)`)
 * move to the Azure client's events, and connect/start/disconnect/stop/end become
 * open()/close().
 */
export const connectionLifecycle: Transform = {
  id: 'connection-lifecycle',
  title: 'connection events and connect/disconnect → Azure client events and open()/close()',
  appliesTo: (file) => file.memberCalls().some((call) => isClientKind(call.receiverKind)) || /\bonce\s*\(/.test(file.text),
  run(file) {
    const edits = new FileEdits(file, 'connection-lifecycle');
    for (const memberCall of file.memberCalls()) {
      if (!isClientKind(memberCall.receiverKind) || file.isClaimed(memberCall.call)) continue;
      if (LISTENER_METHODS.has(memberCall.method)) rewriteListener(file, edits, memberCall);
      else rewriteConnectionCall(file, edits, memberCall);
    }
    rewriteEventsOnce(file, edits);
    return edits.result();
  },
};

function rewriteListener(file: AnalysedFile, edits: FileEdits, memberCall: AwsMemberCall): void {
  const kind = memberCall.receiverKind as ClientKind;
  const [eventArgument, listener] = memberCall.call.arguments;
  const event = literalText(eventArgument);
  if (event === undefined || eventArgument === undefined || event === 'message' || event === 'messageReceived') return;
  const mapping = EVENTS[kind][event];
  if (mapping === undefined) {
    if (kind === 'v1-thing-shadow' && ['delta', 'status', 'timeout', 'foreignStateChange'].includes(event)) return;
    edits.todo(memberCall.call, 'lifecycle', `The '${event}' event has no counterpart on the Azure client (it emits 'connect', 'disconnect', 'error' and 'message'). This listener no longer fires.`);
    return;
  }
  if (mapping.azure === undefined) {
    edits.todo(memberCall.call, 'lifecycle', mapping.note);
    return;
  }
  if (mapping.azure !== event) edits.replace(eventArgument, quoted(file.style, mapping.azure));
  const handler = inlineFunction(listener);
  const unmapped = handler === undefined ? [] : adaptParameters(file, edits, handler, mapping);
  if (handler === undefined && mapping.params === 'none' && listener !== undefined) {
    edits.rewritten(memberCall.call, 'lifecycle', `'${event}' listener ${listener.getText(file.sourceFile)} → '${mapping.azure}'. ${mapping.note} Check that it does not read the AWS event's arguments.`);
    return;
  }
  if (unmapped.length > 0) {
    edits.todo(
      memberCall.call,
      'lifecycle',
      `This '${event}' listener reads ${unmapped.join(', ')}, which the Azure '${mapping.azure}' event does not pass. ${mapping.note}`,
    );
    return;
  }
  edits.rewritten(memberCall.call, 'lifecycle', mapping.note);
}

/** Drops AWS type annotations on the listener's parameters and maps `event.error` where it carries over. */
function adaptParameters(file: AnalysedFile, edits: FileEdits, handler: InlineHandler, mapping: EventMapping): string[] {
  const unmapped: string[] = [];
  handler.parameters.forEach((parameter, index) => {
    if (parameter.type !== undefined && file.entities.entityOf(typeNameOf(parameter.type) ?? parameter.type) !== undefined) {
      edits.replaceRange(parameter.name.end, parameter.type.end, '');
    }
    const references = parameterReferences(file, handler, index);
    if (references.length === 0 || mapping.params === 'same') return;
    for (const reference of references) {
      const field = reference.parent;
      const readsField = index === 0 && ts.isPropertyAccessExpression(field) && field.expression === reference && field.name.text === 'error';
      if (readsField && mapping.params === 'error-field') edits.replace(field, reference.text);
      else if (readsField && mapping.params === 'reason-field') edits.replace(field.name, 'reason');
      else unmapped.push(ts.isPropertyAccessExpression(field) && field.expression === reference ? field.getText(file.sourceFile) : reference.text);
    }
  });
  return [...new Set(unmapped)];
}

function typeNameOf(type: ts.TypeNode): ts.EntityName | undefined {
  return ts.isTypeReferenceNode(type) ? type.typeName : undefined;
}

/** connect()/start() → open(); disconnect()/stop()/end() → close(). */
function rewriteConnectionCall(file: AnalysedFile, edits: FileEdits, memberCall: AwsMemberCall): void {
  const { call, receiver, receiverKind, method } = memberCall;
  const client = receiver.getText(file.sourceFile);
  const use = useOfCall(call);
  const nameStart = call.expression.end - method.length;
  if ((method === 'connect' && receiverKind === 'v2-mqtt3-connection') || (method === 'start' && receiverKind === 'v2-mqtt5-client')) {
    if (method === 'connect' && use === 'value' && !ts.isAwaitExpression(call.parent)) {
      edits.replace(call, `${client}.open()`);
      edits.rewritten(call, 'lifecycle', 'connect() → open(), which resolves once the client is connected.');
      return;
    }
    if (method === 'connect') {
      if (use === 'value') {
        edits.todo(call, 'lifecycle', 'connect() resolved with whether a session was present; open() resolves with a results.Connected. Check the code that used the result.');
      }
      edits.replaceRange(nameStart, call.end, 'open()');
      edits.rewritten(call, 'lifecycle', 'connect() → open(), which resolves once the client is connected.');
      return;
    }
    if (use === 'statement' && isInAsyncFunction(call)) {
      edits.replace(call, `await ${client}.open()`);
      edits.rewritten(call, 'lifecycle', "start() → await open(): open() resolves once connected (or rejects after the retry policy gives up), where start() returned at once and reported through 'connectionSuccess' / 'connectionFailure'.");
    } else if (use === 'statement') {
      edits.replaceWithCode(call, openWithErrorEventCall(file, client));
      edits.rewritten(call, 'lifecycle', "start() → open(): a failed open goes to the client's 'error' event.");
    } else {
      edits.todo(call, 'lifecycle', 'start() → open() (which returns a promise); this use of its result needs a look.');
      edits.replaceRange(nameStart, call.end, 'open()');
    }
    return;
  }
  if (
    (method === 'disconnect' && receiverKind === 'v2-mqtt3-connection') ||
    (method === 'stop' && receiverKind === 'v2-mqtt5-client') ||
    ((method === 'end' || method === 'endAsync') && (receiverKind === 'v1-device' || receiverKind === 'v1-thing-shadow' || receiverKind === 'mqttjs-client'))
  ) {
    const callback = method === 'end' ? call.arguments.find((argument) => inlineFunction(argument) !== undefined || ts.isIdentifier(argument)) : undefined;
    const force = method === 'end' && call.arguments[0]?.kind === ts.SyntaxKind.TrueKeyword ? ' end(true) forced the close; close() waits for in-flight sends.' : '';
    if (callback !== undefined) {
      edits.replaceRange(nameStart, call.end, `close(${callback.getText(file.sourceFile)})`);
    } else if (use === 'statement' && isInAsyncFunction(call) && method === 'stop') {
      edits.replace(call, `await ${client}.close()`);
    } else if (use === 'statement' && (method === 'end' || method === 'stop')) {
      edits.replaceRange(nameStart, call.end, `close(${ignoreOutcomeText(file.style)})`);
    } else {
      edits.replaceRange(nameStart, call.end, 'close()');
    }
    edits.rewritten(call, 'lifecycle', `${method}() → close().${force}`);
  }
}

/** `await once(client, 'connectionSuccess')` (node:events) → the Azure event name. */
function rewriteEventsOnce(file: AnalysedFile, edits: FileEdits): void {
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && !file.isClaimed(node) && isEventsOnce(node)) {
      const [emitter, eventArgument] = node.arguments;
      const kind = emitter === undefined ? undefined : file.kindOf(emitter);
      const event = literalText(eventArgument);
      if (isClientKind(kind) && event !== undefined && eventArgument !== undefined) {
        const mapping = EVENTS[kind][event];
        if (mapping?.azure !== undefined && mapping.azure !== event) {
          edits.replace(eventArgument, quoted(file.style, mapping.azure));
          edits.rewritten(node, 'lifecycle', mapping.note);
        } else if (mapping === undefined || mapping.azure === undefined) {
          edits.todo(node, 'lifecycle', `once(client, '${event}'): the Azure client has no such event (it emits 'connect', 'disconnect', 'error' and 'message'); this would wait forever.`);
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file.sourceFile);
}

function isEventsOnce(call: ts.CallExpression): boolean {
  const callee = call.expression;
  if (ts.isIdentifier(callee)) return callee.text === 'once' && call.arguments.length >= 2;
  return ts.isPropertyAccessExpression(callee) && callee.name.text === 'once' && /^(events|EventEmitter)$/.test(callee.expression.getText());
}
