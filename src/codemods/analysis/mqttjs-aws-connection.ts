import { ts } from 'ts-morph';
import { objectLiteralOf, propertyInitializer } from './object-literals.js';

const AWS_ENDPOINT_HINTS = ['amazonaws.com', '-ats.iot.', 'AWS_IOT', 'awsIot', 'aws_iot', 'iot.endpoint'];

/**
 * Whether an `mqtt.connect(url, options)` call reaches AWS IoT Core. mqtt.js is a
 * general MQTT client: firmware also uses it for local brokers, which must be left
 * alone. AWS IoT Core only takes device connections with a client certificate (or
 * through custom authorizers and SigV4 websockets, which show in the URL), so a client
 * certificate in the options or an AWS endpoint in the URL decides.
 */
export function isAwsIotMqttjsConnect(call: ts.CallExpression): boolean {
  const [first, second] = call.arguments;
  const options = [first, second].find((argument) => argument !== undefined && objectLiteralOf(argument) !== undefined);
  const literal = options === undefined ? undefined : objectLiteralOf(options);
  if (literal !== undefined && hasProperty(literal, 'key') && hasProperty(literal, 'cert')) return true;
  const url = first !== undefined && options !== first ? first.getText() : '';
  const host = literal === undefined ? '' : (propertyInitializer(literal, 'host')?.getText() ?? '');
  return AWS_ENDPOINT_HINTS.some((hint) => url.includes(hint) || host.includes(hint));
}

function hasProperty(object: ts.ObjectLiteralExpression, name: string): boolean {
  return propertyInitializer(object, name) !== undefined;
}
