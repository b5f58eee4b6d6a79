import { ts } from 'ts-morph';
import { isClientKind } from '../analysis/aws-value-kinds.js';
import { objectLiteralOf, propertyInitializer } from '../analysis/object-literals.js';
import { statementEnd } from '../edits/source-style.js';
import { isInAsyncFunction, useOfCall } from './support/call-shapes.js';
import { messageListenerOf } from './support/message-handlers.js';
import { replaceWithReportedUpdate, shadowUpdateOf } from './support/shadow-documents.js';
import { SHADOW_NOTES } from './support/shadow-notes.js';
import { insertStatementsBefore } from './support/statement-insertion.js';
import { classifyTopic, type TopicClass } from './support/topics.js';
import { FileEdits, type AnalysedFile, type AwsMemberCall, type Transform } from './transform.js';

const PUBLISH_METHODS = new Set(['publish', 'publishAsync']);
const SUBSCRIBE_METHODS = new Set(['subscribe', 'subscribeAsync']);

/**
 * Shadows used through their reserved topics (`$aws/things/<thing>/shadow/...`) on a
 * plain MQTT client: a classic-shadow update of reported state becomes a twin
 * reported-properties update; every other shadow topic (get, delta, documents, named
 * shadows) gets a TODO saying what replaces it, and its code is commented out.
 */
export const rawShadowTopics: Transform = {
  id: 'raw-shadow-topics',
  title: 'raw $aws/things/+/shadow topics → device twin',
  appliesTo: (file) => file.memberCalls().some((call) => isClientKind(call.receiverKind)),
  run(file) {
    const edits = new FileEdits(file, 'raw-shadow-topics');
    for (const memberCall of file.memberCalls()) {
      if (!isClientKind(memberCall.receiverKind) || file.isClaimed(memberCall.call)) continue;
      const { call, method } = memberCall;
      if (PUBLISH_METHODS.has(method) || SUBSCRIBE_METHODS.has(method)) {
        const topic = topicArgumentOf(memberCall);
        const topicClass = topic === undefined ? undefined : classifyTopic(topic);
        if (topicClass?.kind !== 'shadow') continue;
        if (PUBLISH_METHODS.has(method)) rewriteShadowPublish(file, edits, memberCall, topicClass);
        else edits.todo(call, 'shadow', subscriptionNote(topicClass), { neutralise: true });
        continue;
      }
      const listener = messageListenerOf(file, memberCall);
      const guardClass = listener?.guard === undefined ? undefined : classifyTopic(listener.guard.topic);
      if (guardClass?.kind === 'shadow') edits.todo(call, 'shadow', listenerNote(guardClass), { neutralise: true });
    }
    return edits.result();
  },
};

function rewriteShadowPublish(file: AnalysedFile, edits: FileEdits, memberCall: AwsMemberCall, topic: Extract<TopicClass, { kind: 'shadow' }>): void {
  const { call, receiver, receiverKind } = memberCall;
  if (topic.namedShadow !== undefined) {
    edits.todo(call, 'shadow', SHADOW_NOTES.named(topic.namedShadow), { neutralise: true });
    return;
  }
  if (topic.operation !== 'update') {
    edits.todo(call, 'shadow', topic.operation.startsWith('delete') ? SHADOW_NOTES.delete : SHADOW_NOTES.get, { neutralise: true });
    return;
  }
  const packet = receiverKind === 'v2-mqtt5-client' && call.arguments[0] !== undefined ? objectLiteralOf(call.arguments[0]) : undefined;
  const payload = receiverKind === 'v2-mqtt5-client' ? (packet === undefined ? undefined : propertyInitializer(packet, 'payload')) : call.arguments[1];
  const update = shadowUpdateOf(payload);
  if (update?.reported === undefined || update.desired !== undefined) {
    edits.todo(call, 'shadow', update?.desired !== undefined ? SHADOW_NOTES.desiredWrite : SHADOW_NOTES.unreadableUpdate, { neutralise: true });
    return;
  }
  const client = receiver.getText(file.sourceFile);
  const promised = receiverKind === 'v2-mqtt3-connection' || receiverKind === 'v2-mqtt5-client' || memberCall.method === 'publishAsync';
  if (promised && useOfCall(call) !== 'statement' && isInAsyncFunction(call)) {
    const twin = file.names.pick(call, 'twin', 'deviceTwin');
    const keyword = file.style.declarationKeyword === 'var' ? 'var' : 'const';
    insertStatementsBefore(file, edits, call, [`${keyword} ${twin} = await ${client}.getTwin()${statementEnd(file.style)}`]);
    replaceWithReportedUpdate(file, edits, call, update.reported, 'awaitable', twin);
  } else {
    replaceWithReportedUpdate(file, edits, call, update.reported, 'via-client', client);
  }
  edits.rewritten(
    call,
    'shadow',
    `Publish to ${topic.display} → twin reported-properties update. ${SHADOW_NOTES.reported}${update.extras.length > 0 ? ` ${SHADOW_NOTES.extras(update.extras)}` : ''}`,
  );
}

function subscriptionNote(topic: Extract<TopicClass, { kind: 'shadow' }>): string {
  if (topic.namedShadow !== undefined) return SHADOW_NOTES.named(topic.namedShadow);
  if (topic.operation.startsWith('update/delta')) return SHADOW_NOTES.rawDelta(topic.display);
  if (topic.operation.startsWith('update/documents')) return SHADOW_NOTES.documents;
  if (topic.operation.startsWith('update/')) return SHADOW_NOTES.updateResult;
  if (topic.operation.startsWith('delete')) return SHADOW_NOTES.delete;
  return SHADOW_NOTES.get;
}

function listenerNote(topic: Extract<TopicClass, { kind: 'shadow' }>): string {
  if (topic.operation.startsWith('update/delta') && topic.namedShadow === undefined) return SHADOW_NOTES.rawDelta(topic.display);
  return `This handler takes messages on ${topic.display}. ${subscriptionNote(topic)}`;
}

/** The (first) topic a publish or subscribe names, including MQTT 5 packets. */
function topicArgumentOf(memberCall: AwsMemberCall): ts.Expression | undefined {
  const [first] = memberCall.call.arguments;
  if (first === undefined) return undefined;
  if (memberCall.receiverKind === 'v2-mqtt5-client') {
    const packet = objectLiteralOf(first);
    if (packet === undefined) return undefined;
    const topicName = propertyInitializer(packet, 'topicName');
    if (topicName !== undefined) return topicName;
    const subscriptions = propertyInitializer(packet, 'subscriptions');
    const firstSubscription = subscriptions !== undefined && ts.isArrayLiteralExpression(subscriptions) ? subscriptions.elements[0] : undefined;
    return firstSubscription !== undefined && ts.isObjectLiteralExpression(firstSubscription) ? propertyInitializer(firstSubscription, 'topicFilter') : undefined;
  }
  if (ts.isArrayLiteralExpression(first)) return first.elements[0];
  return ts.isObjectLiteralExpression(first) ? undefined : first;
}
