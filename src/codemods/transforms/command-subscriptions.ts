import { ts } from 'ts-morph';
import { isClientKind, type ClientKind } from '../analysis/aws-value-kinds.js';
import { objectLiteralOf, propertyInitializer } from '../analysis/object-literals.js';
import { quoted, statementEnd } from '../edits/source-style.js';
import { contains } from '../edits/statement-edits.js';
import { MQTT_TOPIC_PROPERTY } from '../../terraform/route-condition.js';
import { ignoreOutcomeText, messageTopicText } from './support/azure-code.js';
import { inlineFunction, literalText, statementOfCall, useOfCall } from './support/call-shapes.js';
import { applyHandlerRewrite, parameterName, parameterReferences, type InlineHandler, type Substitution } from './support/handler-rewrite.js';
import { isTopicReference, messageListenerOf, type MessageListener } from './support/message-handlers.js';
import { classifyTopic, methodNameOfTopic, type TopicClass } from './support/topics.js';
import { FileEdits, type AnalysedFile, type AwsMemberCall, type Transform } from './transform.js';

const SUBSCRIBE_METHODS = new Set(['subscribe', 'subscribeAsync']);
const PUBLISH_METHODS = new Set(['publish', 'publishAsync']);

/**
 * Commands: a subscription to one of the firmware's own topics plus the code that
 * handles its messages becomes a cloud-to-device message handler that takes only the
 * messages whose `mqtt-topic` property is that topic. When the handler answers on a
 * response topic it becomes a direct method instead, because IoT Hub gives the caller
 * that answer synchronously. Subscriptions themselves go: IoT Hub needs none.
 */
export const commandSubscriptions: Transform = {
  id: 'command-subscriptions',
  title: 'command subscriptions and message handlers → C2D message handler or direct method',
  appliesTo: (file) => file.memberCalls().some((call) => isClientKind(call.receiverKind) && (SUBSCRIBE_METHODS.has(call.method) || call.method === 'on')),
  run(file) {
    const edits = new FileEdits(file, 'command-subscriptions');
    const methodNames = new Set<string>();
    for (const memberCall of file.memberCalls()) {
      if (!isClientKind(memberCall.receiverKind) || file.isClaimed(memberCall.call)) continue;
      if (SUBSCRIBE_METHODS.has(memberCall.method)) {
        rewriteSubscription(file, edits, memberCall, methodNames);
        continue;
      }
      const listener = messageListenerOf(file, memberCall);
      if (listener !== undefined) rewriteListener(file, edits, listener, methodNames);
    }
    return edits.result();
  },
};

function rewriteSubscription(file: AnalysedFile, edits: FileEdits, memberCall: AwsMemberCall, methodNames: Set<string>): void {
  const { call } = memberCall;
  const receiverKind = memberCall.receiverKind as ClientKind;
  const topics = subscribedTopics(receiverKind, call);
  if (topics === undefined) {
    edits.todo(call, 'command', `Subscription to topics the codemod cannot read (${call.arguments[0]?.getText() ?? ''}): IoT Hub needs no subscription for cloud-to-device messages; filter them on the ${MQTT_TOPIC_PROPERTY} property in the 'message' handler.`, {
      neutralise: true,
    });
    return;
  }
  const classes = topics.map((topic) => classifyTopic(topic));
  if (classes.every((topic) => isReserved(topic))) return;
  if (classes.some((topic) => isReserved(topic))) {
    edits.todo(call, 'command', 'This subscription mixes AWS reserved topics with the firmware\'s own: split it, so each part can be mapped (shadow → twin, own topics → cloud-to-device messages).', { neutralise: true });
    return;
  }
  const shared = classes.find((topic) => topic.kind === 'shared-subscription');
  if (shared !== undefined) {
    edits.todo(
      call,
      'shared-subscription',
      `Shared subscription ${shared.display}: IoT Hub has no shared subscriptions, each device gets its own cloud-to-device messages. Azure option: share the work on the service side (route to an Event Hub or Service Bus queue with competing consumers) and send each device only what it must act on.`,
      { neutralise: true },
    );
    return;
  }
  const display = classes.map((topic) => topic.display).join(', ');
  const handler = receiverKind === 'v2-mqtt3-connection' ? inlineFunction(call.arguments[2]) : undefined;
  if (handler !== undefined) {
    rewriteSubscriptionHandler(file, edits, memberCall, handler, topics[0]!, classes[0]!, methodNames);
    return;
  }
  if (receiverKind === 'v2-mqtt3-connection' && call.arguments[2] !== undefined) {
    const listenerText = call.arguments[2].getText(file.sourceFile);
    edits.todo(
      call,
      'command',
      `Subscription to ${display} with the handler ${listenerText}: make it a cloud-to-device message handler, client.on('message', (message) => …), taking only messages whose ${MQTT_TOPIC_PROPERTY} property is ${display}, and give ${listenerText} the topic and message.getBytes().`,
      { neutralise: true },
    );
    return;
  }
  const statement = statementOfCall(call);
  const callback = subscribeCallback(receiverKind, call);
  if (statement === undefined || callback !== undefined) {
    edits.todo(
      call,
      'command',
      `Subscription to ${display}: IoT Hub needs no subscription for cloud-to-device messages (the 'message' handler filters on the ${MQTT_TOPIC_PROPERTY} property). ${callback !== undefined ? 'Move what the subscribe callback did to where the client connects.' : 'Its result was used: remove that use.'}`,
      { neutralise: true },
    );
    return;
  }
  const connectListener = onlyConnectListenerAround(file, statement);
  edits.deleteStatement(connectListener ?? statement);
  const wildcard = classes.some((topic) => topic.kind === 'wildcard')
    ? ' The filter had wildcards: the handler now sees every cloud-to-device message and reads the topic from the property.'
    : '';
  edits.rewritten(
    call,
    'command',
    `Subscription to ${display} removed: cloud-to-device messages and direct methods need no subscription on IoT Hub; the message handler filters on the ${MQTT_TOPIC_PROPERTY} property the cloud side sets.${wildcard}${
      connectListener === undefined ? '' : " The 'connect' listener only made this subscription, so it went with it."
    }`,
  );
}

/** v2 MQTT 3 `connection.subscribe(topic, qos, (topic, payload) => …)`: the handler is per subscription. */
function rewriteSubscriptionHandler(
  file: AnalysedFile,
  edits: FileEdits,
  memberCall: AwsMemberCall,
  handler: InlineHandler,
  topic: ts.Expression,
  topicClass: TopicClass,
  methodNames: Set<string>,
): void {
  const { call, receiver } = memberCall;
  const statement = statementOfCall(call);
  if (statement === undefined) {
    edits.todo(call, 'command', `The result of this subscription to ${topicClass.display} is used; IoT Hub has no subscriptions: register the handler with client.on('message', …) and remove that use.`, {
      neutralise: true,
    });
    return;
  }
  const receiverText = receiver.getText(file.sourceFile);
  const head = useOfCall(call) === 'statement' ? call : call.parent;
  const reply = replyOf(file, handler);
  if (reply !== undefined && topicClass.kind === 'custom') {
    const name = uniqueMethodName(methodNames, topicClass.display);
    edits.replaceRange(head.getStart(file.sourceFile), handler.getStart(file.sourceFile), `${receiverText}.onDeviceMethod(${quoted(file.style, name)}, `);
    edits.replaceRange(handler.end, call.end, ')');
    rewriteAsMethod(file, edits, memberCall.receiverKind as ClientKind, handler, topic, undefined, reply, name, topicClass.display);
    return;
  }
  edits.replaceRange(head.getStart(file.sourceFile), handler.getStart(file.sourceFile), `${receiverText}.on(${quoted(file.style, 'message')}, `);
  edits.replaceRange(handler.end, call.end, ')');
  rewriteAsC2d(file, edits, memberCall.receiverKind as ClientKind, handler, topic, topicClass, reply !== undefined, true);
}

function rewriteListener(file: AnalysedFile, edits: FileEdits, listener: MessageListener, methodNames: Set<string>): void {
  const { memberCall, handler, guard } = listener;
  const kind = memberCall.receiverKind as ClientKind;
  const topicClass = guard === undefined ? undefined : classifyTopic(guard.topic);
  if (topicClass !== undefined && isReserved(topicClass)) return;
  const eventArgument = memberCall.call.arguments[0]!;

  if (handler === undefined) {
    const listenerText = listener.listener.getText(file.sourceFile);
    if (kind === 'v2-mqtt5-client') {
      edits.todo(
        memberCall.call,
        'command',
        `${listenerText} took MQTT 5 messageReceived events. On IoT Hub, cloud-to-device messages arrive as client.on('message', (message) => …): the topic is message.properties.getValue('${MQTT_TOPIC_PROPERTY}') and the payload message.getBytes(); adapt ${listenerText} to that.`,
      );
      return;
    }
    const message = file.names.pick(memberCall.call, 'message', 'cloudMessage');
    const typed = file.language === 'ts' ? `${message}: ${file.imports.useType('azure-iot-device', 'Message')}` : message;
    const adapter = file.style.arrowFunctions
      ? `(${typed}) => ${listenerText}(${messageTopicText(file, message)}, ${message}.getBytes())`
      : `function (${typed}) {\n${file.style.indentUnit}${listenerText}(${messageTopicText(file, message)}, ${message}.getBytes())${statementEnd(file.style)}\n}`;
    edits.replaceWithCode(listener.listener, adapter);
    edits.rewritten(
      memberCall.call,
      'command',
      `Message listener ${listenerText} → cloud-to-device message handler: it still gets the topic (from the ${MQTT_TOPIC_PROPERTY} property) and the payload bytes.`,
    );
    return;
  }

  const reply = replyOf(file, handler);
  if (guard !== undefined && topicClass?.kind === 'custom' && reply !== undefined) {
    const name = uniqueMethodName(methodNames, topicClass.display);
    edits.replaceRange(memberCall.call.expression.getEnd() - memberCall.method.length, eventArgument.end, `onDeviceMethod(${quoted(file.style, name)}`);
    rewriteAsMethod(file, edits, kind, handler, guard.topic, guard.statement, reply, name, topicClass.display);
    return;
  }
  if (kind === 'v2-mqtt5-client') edits.replace(eventArgument, quoted(file.style, 'message'));
  rewriteAsC2d(file, edits, kind, handler, guard?.topic, topicClass, reply !== undefined, false);
}

/** A cloud-to-device message handler, filtered by topic when the subscription named one. */
function rewriteAsC2d(
  file: AnalysedFile,
  edits: FileEdits,
  kind: ClientKind,
  handler: InlineHandler,
  topic: ts.Expression | undefined,
  topicClass: TopicClass | undefined,
  replies: boolean,
  needsFilter: boolean,
): void {
  const message = file.names.pick(handler, 'message', 'cloudMessage');
  const end = statementEnd(file.style);
  const keyword = file.style.declarationKeyword === 'var' ? 'var' : 'const';
  const prologue: string[] = [];
  const substitutions: Substitution[] = [];
  if (needsFilter && topic !== undefined && topicClass?.kind === 'custom') {
    prologue.push(`if (${messageTopicText(file, message)} !== ${topic.getText(file.sourceFile)}) return${end}`);
  }
  const unmapped = bindMessageParameters(file, kind, handler, message, keyword, prologue, substitutions);
  const typed = file.language === 'ts' ? `${message}: ${file.imports.useType('azure-iot-device', 'Message')}` : message;
  applyHandlerRewrite(file, edits, handler, { params: [typed], prologue, substitutions, deletions: [] });

  const display = topicClass?.display;
  if (topicClass?.kind === 'wildcard' && needsFilter) {
    edits.todo(
      handler,
      'command',
      `The subscription ${display} had wildcards, and this handler now takes every cloud-to-device message: check ${messageTopicText(file, message)} against the topics it should act on.`,
    );
  }
  if (unmapped.length > 0) {
    edits.todo(handler, 'command', `${unmapped.join(', ')}: the Azure message has no such field (IoT Hub delivers cloud-to-device messages at least once and retains none); rework the code that reads it.`);
  }
  if (replies) {
    edits.todo(
      handler,
      'command',
      'This handler answers by publishing, so the cloud waits for a reply: consider a direct method (client.onDeviceMethod), which gives the caller the answer synchronously. As written, the answer goes out as a device-to-cloud message.',
    );
  }
  const filter = display === undefined ? 'it reads the topic from the message' : `it takes only messages whose ${MQTT_TOPIC_PROPERTY} property is ${display}`;
  edits.rewritten(
    handler,
    'command',
    `Command handler → cloud-to-device message handler (client.on('message')): ${filter}. The cloud side sends commands with that application property (service SDK: client.send(deviceId, message)). It does not answer on a topic, so a direct method is not needed.`,
  );
}

/** A direct method: the handler answered on a response topic, so the caller waits for the answer. */
function rewriteAsMethod(
  file: AnalysedFile,
  edits: FileEdits,
  kind: ClientKind,
  handler: InlineHandler,
  topic: ts.Expression,
  guard: ts.IfStatement | undefined,
  reply: Reply,
  methodName: string,
  display: string,
): void {
  const request = file.names.pick(handler, 'request', 'methodRequest');
  const response = file.names.pick(handler, 'response', 'methodResponse');
  const end = statementEnd(file.style);
  const keyword = file.style.declarationKeyword === 'var' ? 'var' : 'const';
  const prologue: string[] = [];
  const substitutions: Substitution[] = [];
  const notes: string[] = [];
  const topicName = parameterName(handler, 0);
  if (kind !== 'v2-mqtt5-client') {
    if (topicName !== undefined && parameterReferences(file, handler, 0).some((reference) => guard === undefined || !contains(guard, reference))) {
      prologue.push(`${keyword} ${topicName} = ${topic.getText(file.sourceFile)}${end}`);
    }
    const payloadName = parameterName(handler, 1);
    const payloadReads = parameterReferences(file, handler, 1).filter((reference) => reference !== reply.echoes);
    if (payloadName !== undefined && payloadReads.length > 0) {
      prologue.push(`${keyword} ${payloadName} = Buffer.from(JSON.stringify(${request}.payload))${end}`);
      notes.push(`The request body arrives parsed as ${request}.payload; ${payloadName} re-serialises it so the handler's own parsing still works.`);
    }
  } else {
    collectMqtt5Substitutions(file, handler, `${topic.getText(file.sourceFile)}`, `Buffer.from(JSON.stringify(${request}.payload))`, substitutions, guard);
  }
  const replyCall = reply.memberCall.call;
  // Echoing the request back: the request body, parsed, is the answer as it came.
  const answer = reply.echoes === undefined ? reply.payload : `${request}.payload`;
  const replyArgs = reply.callback !== undefined ? `200, ${answer}, ${reply.callback}` : `200, ${answer}`;
  substitutions.push({ node: replyCall, text: `${response}.send(${replyArgs})` });
  applyHandlerRewrite(file, edits, handler, { params: [request, response], prologue, substitutions, deletions: guard === undefined ? [] : [guard] });
  edits.rewritten(
    handler,
    'command',
    `Command on ${display} → direct method '${methodName}': the handler answered on ${reply.topicDisplay}, so the cloud waits for an answer, and IoT Hub gives the caller the method response synchronously (service SDK: client.invokeDeviceMethod(deviceId, { methodName: '${methodName}', payload })). The answer is response.send(200, …) instead of a publish; the method response carries it as JSON.${notes.length > 0 ? ` ${notes.join(' ')}` : ''}`,
  );
}

/** Rebuilds the old listener parameters from the Azure message; returns those it cannot. */
function bindMessageParameters(
  file: AnalysedFile,
  kind: ClientKind,
  handler: InlineHandler,
  message: string,
  keyword: string,
  prologue: string[],
  substitutions: Substitution[],
): string[] {
  const end = statementEnd(file.style);
  if (kind === 'v2-mqtt5-client') {
    return collectMqtt5Substitutions(file, handler, messageTopicText(file, message), `${message}.getBytes()`, substitutions, undefined);
  }
  const unmapped: string[] = [];
  handler.parameters.forEach((_parameter, index) => {
    const name = parameterName(handler, index);
    if (name === undefined || parameterReferences(file, handler, index).length === 0) return;
    if (index === 0) prologue.push(`${keyword} ${name} = ${messageTopicText(file, message)}${end}`);
    else if (index === 1) prologue.push(`${keyword} ${name} = ${message}.getBytes()${end}`);
    else unmapped.push(name);
  });
  return unmapped;
}

/** MQTT 5 listeners read `event.message.topicName` and `event.message.payload`. */
function collectMqtt5Substitutions(
  file: AnalysedFile,
  handler: InlineHandler,
  topicText: string,
  payloadText: string,
  substitutions: Substitution[],
  guard: ts.IfStatement | undefined,
): string[] {
  const unmapped = new Set<string>();
  for (const reference of parameterReferences(file, handler, 0)) {
    if (guard !== undefined && contains(guard, reference)) continue;
    const message = reference.parent;
    const field = ts.isPropertyAccessExpression(message) && message.name.text === 'message' ? message.parent : undefined;
    if (field !== undefined && ts.isPropertyAccessExpression(field) && field.expression === message) {
      if (isTopicReference(file, handler, 'v2-mqtt5-client', field)) {
        substitutions.push({ node: field, text: topicText });
        continue;
      }
      if (field.name.text === 'payload') {
        // `event.message.payload as ArrayBuffer`: the assertion was for the AWS payload type.
        const asserted = ts.isAsExpression(field.parent) ? field.parent : field;
        substitutions.push({ node: asserted, text: payloadText });
        continue;
      }
      unmapped.add(field.getText(file.sourceFile));
      continue;
    }
    unmapped.add(reference.getText(file.sourceFile));
  }
  return [...unmapped];
}

interface Reply {
  memberCall: AwsMemberCall;
  payload: string;
  topicDisplay: string;
  /** The publish's own callback, or one that ignores the outcome where the publish was fire-and-forget. */
  callback: string | undefined;
  /** Set when the answer is the request's own payload parameter, sent back as it came. */
  echoes?: ts.Identifier;
}

/** The one publish a handler answers with, to a topic of the firmware's own. */
function replyOf(file: AnalysedFile, handler: InlineHandler): Reply | undefined {
  const publishes = file.memberCalls().filter(
    (call) => isClientKind(call.receiverKind) && PUBLISH_METHODS.has(call.method) && contains(handler, call.call) && !file.isClaimed(call.call),
  );
  if (publishes.length !== 1) return undefined;
  const [memberCall] = publishes as [AwsMemberCall];
  const { call, receiverKind, method } = memberCall;
  let topic: ts.Expression | undefined;
  let payload: ts.Expression | undefined;
  if (receiverKind === 'v2-mqtt5-client') {
    const packet = call.arguments[0] === undefined ? undefined : objectLiteralOf(call.arguments[0]);
    topic = packet === undefined ? undefined : propertyInitializer(packet, 'topicName');
    payload = packet === undefined ? undefined : propertyInitializer(packet, 'payload');
  } else {
    [topic, payload] = call.arguments;
  }
  if (topic === undefined) return undefined;
  const topicClass = classifyTopic(topic);
  if (topicClass.kind !== 'custom' && topicClass.kind !== 'unknown') return undefined;
  // A method response is JSON already: the Azure SDK serialises it, so a JSON.stringify()'d
  // answer would reach the caller as a string holding JSON.
  const payloadText =
    payload !== undefined && ts.isCallExpression(payload) && payload.expression.getText(file.sourceFile) === 'JSON.stringify' && payload.arguments.length === 1
      ? payload.arguments[0]!.getText(file.sourceFile)
      : payload?.getText(file.sourceFile);
  const isCallbackSdk = receiverKind === 'v1-device' || receiverKind === 'v1-thing-shadow' || (receiverKind === 'mqttjs-client' && method === 'publish');
  const ownCallback = isCallbackSdk ? call.arguments.slice(2).find((argument) => inlineFunction(argument) !== undefined) : undefined;
  const callback =
    ownCallback?.getText(file.sourceFile) ?? (isCallbackSdk && useOfCall(call) === 'statement' ? ignoreOutcomeText(file.style) : undefined);
  const echoes = payload !== undefined && ts.isIdentifier(payload) && file.index.declarationOf(payload) === handler.parameters[1] ? payload : undefined;
  return { memberCall, payload: payloadText ?? 'undefined', topicDisplay: topicClass.display, callback, ...(echoes === undefined ? {} : { echoes }) };
}

/**
 * `client.on('connect', () => { client.subscribe(…) })`: a connect listener that only
 * subscribed has nothing left to do, and goes with the subscription.
 */
function onlyConnectListenerAround(file: AnalysedFile, statement: ts.Statement): ts.ExpressionStatement | undefined {
  const body = statement.parent;
  if (!ts.isBlock(body) || body.statements.length !== 1) return undefined;
  const listener = body.parent;
  if (!ts.isArrowFunction(listener) && !ts.isFunctionExpression(listener)) return undefined;
  const registration = listener.parent;
  if (!ts.isCallExpression(registration) || !ts.isPropertyAccessExpression(registration.expression)) return undefined;
  if (registration.expression.name.text !== 'on' || literalText(registration.arguments[0]) !== 'connect') return undefined;
  if (!isClientKind(file.kindOf(registration.expression.expression))) return undefined;
  return ts.isExpressionStatement(registration.parent) ? registration.parent : undefined;
}

function subscribedTopics(kind: ClientKind, call: ts.CallExpression): ts.Expression[] | undefined {
  const [first] = call.arguments;
  if (first === undefined) return undefined;
  if (kind === 'v2-mqtt5-client') {
    const packet = objectLiteralOf(first);
    const subscriptions = packet === undefined ? undefined : propertyInitializer(packet, 'subscriptions');
    if (subscriptions === undefined || !ts.isArrayLiteralExpression(subscriptions)) return undefined;
    const filters = subscriptions.elements.map((element) => (ts.isObjectLiteralExpression(element) ? propertyInitializer(element, 'topicFilter') : undefined));
    return filters.every((filter): filter is ts.Expression => filter !== undefined) ? filters : undefined;
  }
  if (ts.isArrayLiteralExpression(first)) {
    return first.elements.every((element) => !ts.isSpreadElement(element)) ? [...first.elements] : undefined;
  }
  if (ts.isObjectLiteralExpression(first)) {
    // mqtt.js `{ 'cmd/a': { qos: 1 } }`: the keys are the topics.
    const names = first.properties.map((property) => (ts.isPropertyAssignment(property) && ts.isStringLiteral(property.name) ? property.name : undefined));
    return names.every((name): name is ts.StringLiteral => name !== undefined) ? names : undefined;
  }
  return [first];
}

function subscribeCallback(kind: ClientKind, call: ts.CallExpression): ts.Expression | undefined {
  if (kind === 'v2-mqtt5-client' || kind === 'v2-mqtt3-connection') return undefined;
  const [, second, third] = call.arguments;
  if (third !== undefined) return third;
  return second !== undefined && (ts.isArrowFunction(second) || ts.isFunctionExpression(second)) ? second : undefined;
}

function isReserved(topic: TopicClass): boolean {
  return topic.kind === 'shadow' || topic.kind === 'jobs' || topic.kind === 'provisioning' || topic.kind === 'other-reserved';
}

function uniqueMethodName(taken: Set<string>, display: string): string {
  const base = methodNameOfTopic(display);
  let name = base;
  for (let suffix = 2; taken.has(name); suffix += 1) name = `${base}${suffix}`;
  taken.add(name);
  return name;
}
