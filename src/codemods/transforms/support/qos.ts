import { ts } from 'ts-morph';

const QOS_NAMES: Record<string, number> = { AtMostOnce: 0, AtLeastOnce: 1, ExactlyOnce: 2 };

/** The QoS level an argument names: a number, or `mqtt.QoS.AtLeastOnce` and the like. */
export function qosOf(expression: ts.Expression): number | undefined {
  if (ts.isNumericLiteral(expression)) return Number(expression.text);
  if (ts.isPropertyAccessExpression(expression)) return QOS_NAMES[expression.name.text];
  return undefined;
}

export function qosConstantValue(name: string): number | undefined {
  return QOS_NAMES[name];
}
