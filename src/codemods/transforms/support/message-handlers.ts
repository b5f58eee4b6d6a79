import { ts } from 'ts-morph';
import type { ClientKind } from '../../analysis/aws-value-kinds.js';
import { inlineFunction, literalText } from './call-shapes.js';
import type { AnalysedFile, AwsMemberCall } from '../transform.js';

const LISTENER_METHODS = new Set(['on', 'once', 'addListener', 'prependListener']);

/** A listener for incoming messages on an AWS client, as the SDK that made it delivers them. */
export interface MessageListener {
  memberCall: AwsMemberCall;
  /** The listener, when written inline. */
  handler: ts.ArrowFunction | ts.FunctionExpression | undefined;
  /** The listener argument as written (a function or a name). */
  listener: ts.Expression;
  /** `if (topic !== T) return;` as the listener's first statement, when it has one. */
  guard: { statement: ts.IfStatement; topic: ts.Expression } | undefined;
}

/**
 * `client.on('message', (topic, payload) => …)` on v1, mqtt.js and v2 MQTT 3 clients,
 * `client.on('messageReceived', (event) => …)` on MQTT 5 clients.
 */
export function messageListenerOf(file: AnalysedFile, memberCall: AwsMemberCall): MessageListener | undefined {
  if (!LISTENER_METHODS.has(memberCall.method)) return undefined;
  const [eventArgument, listener] = memberCall.call.arguments;
  const event = literalText(eventArgument);
  const expected = memberCall.receiverKind === 'v2-mqtt5-client' ? 'messageReceived' : 'message';
  if (event !== expected || listener === undefined) return undefined;
  const handler = inlineFunction(listener);
  const guard = handler === undefined ? undefined : topicGuardOf(file, handler, memberCall.receiverKind as ClientKind);
  return { memberCall, handler, listener, guard };
}

/** True for the expression a listener reads the topic from: its first parameter, or `event.message.topicName`. */
export function isTopicReference(file: AnalysedFile, handler: ts.SignatureDeclaration, kind: ClientKind, expression: ts.Expression): boolean {
  const parameter = handler.parameters[0];
  if (parameter === undefined || !ts.isIdentifier(parameter.name)) return false;
  if (kind === 'v2-mqtt5-client') {
    return (
      ts.isPropertyAccessExpression(expression) &&
      expression.name.text === 'topicName' &&
      ts.isPropertyAccessExpression(expression.expression) &&
      expression.expression.name.text === 'message' &&
      ts.isIdentifier(expression.expression.expression) &&
      file.index.declarationOf(expression.expression.expression) === parameter
    );
  }
  return ts.isIdentifier(expression) && file.index.declarationOf(expression) === parameter;
}

function topicGuardOf(
  file: AnalysedFile,
  handler: ts.ArrowFunction | ts.FunctionExpression,
  kind: ClientKind,
): MessageListener['guard'] {
  if (!ts.isBlock(handler.body)) return undefined;
  const first = handler.body.statements[0];
  if (first === undefined || !ts.isIfStatement(first) || first.elseStatement !== undefined || !returnsOnly(first.thenStatement)) return undefined;
  const condition = first.expression;
  if (!ts.isBinaryExpression(condition)) return undefined;
  const operator = condition.operatorToken.kind;
  if (operator !== ts.SyntaxKind.ExclamationEqualsEqualsToken && operator !== ts.SyntaxKind.ExclamationEqualsToken) return undefined;
  if (isTopicReference(file, handler, kind, condition.left)) return { statement: first, topic: condition.right };
  if (isTopicReference(file, handler, kind, condition.right)) return { statement: first, topic: condition.left };
  return undefined;
}

function returnsOnly(statement: ts.Statement): boolean {
  if (ts.isReturnStatement(statement)) return statement.expression === undefined;
  return ts.isBlock(statement) && statement.statements.length === 1 && returnsOnly(statement.statements[0]!);
}
