import { ts } from 'ts-morph';
import { isClientKind } from '../analysis/aws-value-kinds.js';
import { objectLiteralOf, propertyInitializer, propertyNameText } from '../analysis/object-literals.js';
import { quoted, statementEnd } from '../edits/source-style.js';
import { MQTT_TOPIC_PROPERTY } from '../../terraform/route-condition.js';
import { ignoreOutcomeText, messageStatements } from './support/azure-code.js';
import { useOfCall } from './support/call-shapes.js';
import { qosOf } from './support/qos.js';
import { insertStatementsBefore } from './support/statement-insertion.js';
import { classifyTopic } from './support/topics.js';
import { FileEdits, type AnalysedFile, type AwsMemberCall, type Transform } from './transform.js';

const PUBLISH_METHODS = new Set(['publish', 'publishAsync']);

/** What a publish call carries, whichever SDK made it. */
interface Publish {
  topic: ts.Expression;
  payload: ts.Expression | undefined;
  qos: number | undefined;
  retain: ts.Expression | undefined;
  callback: ts.Expression | undefined;
  /** MQTT 5 packet fields beyond topic, payload and QoS. */
  packet: ts.ObjectLiteralExpression | undefined;
}

/**
 * Telemetry: a publish to one of the firmware's own topics becomes
 * `sendEvent(new Message(payload))`, with the topic kept in the `mqtt-topic`
 * application property so IoT Hub routes translated from the AWS topic rules can still
 * filter on it. JSON payloads are marked as such, so routing queries can read the body.
 * Publishes to AWS reserved topics (shadow, jobs) belong to other transforms.
 */
export const telemetryPublish: Transform = {
  id: 'telemetry-publish',
  title: 'publish to a custom topic → sendEvent(Message) with the topic as a property',
  appliesTo: (file) => file.memberCalls().some((call) => isClientKind(call.receiverKind) && PUBLISH_METHODS.has(call.method)),
  run(file) {
    const edits = new FileEdits(file, 'telemetry-publish');
    for (const memberCall of file.memberCalls()) {
      if (!isClientKind(memberCall.receiverKind) || !PUBLISH_METHODS.has(memberCall.method) || file.isClaimed(memberCall.call)) continue;
      const publish = publishOf(memberCall);
      if (publish === undefined) {
        edits.todo(
          memberCall.call,
          'telemetry',
          `This MQTT 5 publish takes a packet built elsewhere. Send it with sendEvent(new Message(payload)) and add the topic as the ${MQTT_TOPIC_PROPERTY} property: message.properties.add('${MQTT_TOPIC_PROPERTY}', topicName).`,
          { neutralise: true },
        );
        continue;
      }
      const topic = classifyTopic(publish.topic);
      if (topic.kind !== 'custom' && topic.kind !== 'unknown') continue;
      rewritePublish(file, edits, memberCall, publish, topic.display);
    }
    return edits.result();
  },
};

function publishOf({ call, receiverKind }: AwsMemberCall): Publish | undefined {
  const [first, second, third, fourth] = call.arguments;
  if (first === undefined) return undefined;
  if (receiverKind === 'v2-mqtt5-client') {
    const packet = objectLiteralOf(first);
    const topic = packet === undefined ? undefined : propertyInitializer(packet, 'topicName');
    if (packet === undefined || topic === undefined) return undefined;
    const qos = propertyInitializer(packet, 'qos');
    return {
      topic,
      payload: propertyInitializer(packet, 'payload'),
      qos: qos === undefined ? 0 : qosOf(qos),
      retain: propertyInitializer(packet, 'retain'),
      callback: undefined,
      packet,
    };
  }
  if (receiverKind === 'v2-mqtt3-connection') {
    return { topic: first, payload: second, qos: third === undefined ? undefined : qosOf(third), retain: fourth, callback: undefined, packet: undefined };
  }
  // v1 and mqtt.js: publish(topic, message, [options], [callback]).
  const options = third !== undefined && !isFunction(third) ? objectLiteralOf(third) : undefined;
  const qos = options === undefined ? undefined : propertyInitializer(options, 'qos');
  return {
    topic: first,
    payload: second,
    qos: qos === undefined ? 0 : qosOf(qos),
    retain: options === undefined ? undefined : propertyInitializer(options, 'retain'),
    callback: third !== undefined && isFunction(third) ? third : fourth,
    packet: undefined,
  };
}

function rewritePublish(file: AnalysedFile, edits: FileEdits, memberCall: AwsMemberCall, publish: Publish, display: string): void {
  const { call, receiver, receiverKind, method } = memberCall;
  const end = statementEnd(file.style);
  const name = file.names.pick(call, 'message');
  const payloadText = payloadTextOf(publish.payload);
  const lines = messageStatements(file, name, payloadText, publish.topic.getText(file.sourceFile));
  const isJson = isJsonPayload(file, publish.payload);
  if (isJson) {
    lines.splice(1, 0, `${name}.contentType = ${quoted(file.style, 'application/json')}${end}`, `${name}.contentEncoding = ${quoted(file.style, 'utf-8')}${end}`);
  }
  const notes: string[] = [];
  if (publish.packet !== undefined) mapPacketFields(file, edits, call, publish.packet, name, lines, notes);
  if (publish.retain !== undefined && publish.retain.kind !== ts.SyntaxKind.FalseKeyword) {
    edits.todo(
      call,
      'telemetry',
      `This publish to ${display} was retained. IoT Hub keeps no retained messages: a value a late subscriber needs belongs in a reported property (twin.properties.reported.update).`,
    );
  }
  insertStatementsBefore(file, edits, call, lines);

  const receiverText = receiver.getText(file.sourceFile);
  const firesAndForgets = (receiverKind === 'v1-device' || receiverKind === 'v1-thing-shadow' || receiverKind === 'mqttjs-client') && method === 'publish';
  let callbackText: string | undefined = publish.callback?.getText(file.sourceFile);
  if (callbackText === undefined && firesAndForgets && useOfCall(call) === 'statement') callbackText = ignoreOutcomeText(file.style);
  const args = callbackText === undefined ? name : `${name}, ${callbackText}`;
  edits.replace(call, `${receiverText}.sendEvent(${args})`);

  const qos =
    publish.qos === 0
      ? 'It was QoS 0: IoT Hub acknowledges every device-to-cloud message, so each send now waits for a PUBACK (and is retried).'
      : publish.qos === 2
        ? 'It was QoS 2: IoT Hub delivers at least once, so the consumer must tolerate a duplicate.'
        : publish.qos === 1
          ? 'QoS 1, as before.'
          : 'IoT Hub delivers device-to-cloud messages at least once (QoS 1).';
  const json = isJson ? ' The payload is marked application/json (UTF-8), so routing queries can filter on the body.' : '';
  edits.rewritten(
    call,
    'telemetry',
    `Publish to ${display} → ${receiverText}.sendEvent(Message), the topic kept in the ${MQTT_TOPIC_PROPERTY} application property for IoT Hub routes.${json} ${qos}${notes.length > 0 ? ` ${notes.join(' ')}` : ''}`,
  );
}

/** MQTT 5 publish packet fields other than topic, payload and QoS. */
function mapPacketFields(
  file: AnalysedFile,
  edits: FileEdits,
  call: ts.CallExpression,
  packet: ts.ObjectLiteralExpression,
  name: string,
  lines: string[],
  notes: string[],
): void {
  const end = statementEnd(file.style);
  for (const property of packet.properties) {
    const key = ts.isPropertyAssignment(property) || ts.isShorthandPropertyAssignment(property) ? propertyNameText(property.name) : undefined;
    const value = ts.isPropertyAssignment(property) ? property.initializer : ts.isShorthandPropertyAssignment(property) ? property.name : undefined;
    if (key === undefined || value === undefined) {
      edits.todo(call, 'telemetry', `Publish packet field ${property.getText(file.sourceFile)} has no mapping to an IoT Hub message.`);
      continue;
    }
    switch (key) {
      case 'topicName':
      case 'payload':
      case 'qos':
      case 'retain':
        break;
      case 'contentType':
        if (ts.isStringLiteralLike(value) && value.text === 'application/json') {
          if (!lines.some((line) => line.includes('.contentType ='))) lines.splice(1, 0, `${name}.contentType = ${value.getText(file.sourceFile)}${end}`);
        } else {
          lines.splice(lines.length - 1, 0, `${name}.properties.add(${quoted(file.style, 'contentType')}, ${value.getText(file.sourceFile)})${end}`);
          notes.push('The MQTT 5 content type is kept as the contentType application property (IoT Hub message content types are application/json only).');
        }
        break;
      case 'userProperties': {
        const pairs = userPropertyPairs(value);
        if (pairs === undefined) {
          edits.todo(call, 'telemetry', `MQTT 5 user properties (${value.getText(file.sourceFile)}): add each to the message with message.properties.add(name, value).`);
        } else {
          for (const [pairName, pairValue] of pairs) lines.push(`${name}.properties.add(${pairName}, ${pairValue})${end}`);
          notes.push('MQTT 5 user properties are application properties of the message.');
        }
        break;
      }
      case 'messageExpiryIntervalSeconds':
        edits.todo(
          call,
          'telemetry',
          `Message expiry (${value.getText(file.sourceFile)} s): IoT Hub device-to-cloud messages do not expire on the way in. If stale readings must be dropped, let the consumer skip messages older than their iothub-enqueuedtime.`,
        );
        break;
      case 'payloadFormatIndicator':
      case 'topicAlias':
        notes.push(`MQTT 5 ${key} dropped: IoT Hub speaks MQTT 3.1.1.`);
        break;
      case 'responseTopic':
      case 'correlationData':
        edits.todo(
          call,
          'telemetry',
          `MQTT 5 request/response (${key}): IoT Hub has no response topics. When the cloud asks and waits for this answer, make it a direct method (client.onDeviceMethod); otherwise carry the correlation in a message property.`,
        );
        break;
      default:
        edits.todo(call, 'telemetry', `Publish packet field ${key} has no mapping to an IoT Hub message.`);
    }
  }
}

function userPropertyPairs(value: ts.Expression): Array<[string, string]> | undefined {
  if (!ts.isArrayLiteralExpression(value)) return undefined;
  const pairs: Array<[string, string]> = [];
  for (const element of value.elements) {
    const object = ts.isObjectLiteralExpression(element) ? element : undefined;
    const name = object === undefined ? undefined : propertyInitializer(object, 'name');
    const pairValue = object === undefined ? undefined : propertyInitializer(object, 'value');
    if (name === undefined || pairValue === undefined) return undefined;
    pairs.push([name.getText(), pairValue.getText()]);
  }
  return pairs;
}

function payloadTextOf(payload: ts.Expression | undefined): string {
  if (payload === undefined) return "''";
  const text = payload.getText();
  // The v2 SDK serialised plain objects itself; Message wants bytes or a string.
  return ts.isObjectLiteralExpression(payload) || ts.isArrayLiteralExpression(payload) ? `JSON.stringify(${text})` : text;
}

/** `JSON.stringify(...)`, an object literal, or a const in the same scope holding one. */
function isJsonPayload(file: AnalysedFile, payload: ts.Expression | undefined): boolean {
  if (payload === undefined) return false;
  if (ts.isObjectLiteralExpression(payload) || ts.isArrayLiteralExpression(payload)) return true;
  if (isJsonStringify(payload)) return true;
  if (ts.isIdentifier(payload)) {
    const declaration = file.index.declarationOf(payload);
    return declaration !== undefined && ts.isVariableDeclaration(declaration) && declaration.initializer !== undefined && isJsonStringify(declaration.initializer);
  }
  return false;
}

function isJsonStringify(expression: ts.Expression): boolean {
  return ts.isCallExpression(expression) && expression.expression.getText() === 'JSON.stringify';
}

function isFunction(expression: ts.Expression): boolean {
  return ts.isArrowFunction(expression) || ts.isFunctionExpression(expression) || (ts.isIdentifier(expression) && /^(cb|callback|done|next)$/i.test(expression.text));
}
