import type { SourceStyle } from '../../edits/source-style.js';
import { quoted, statementEnd } from '../../edits/source-style.js';
import { MQTT_TOPIC_PROPERTY } from '../../../terraform/route-condition.js';
import type { AnalysedFile } from '../transform.js';

/**
 * Small pieces of Azure IoT device SDK code, written in the file's own style. Each
 * returns text relative to column 0; multi-line results are indented by the caller's
 * indentLines(). Names come from the file's ImportPlanner, so they match its imports.
 */

export function functionText(style: SourceStyle, params: readonly string[], body: readonly string[]): string {
  const head = style.arrowFunctions ? `(${params.join(', ')}) =>` : `function (${params.join(', ')})`;
  if (body.length === 0) return `${head} {}`;
  return `${head} {\n${body.map((line) => `${style.indentUnit}${line}`).join('\n')}\n}`;
}

/** `cert: readFileSync(path)` etc.: the device's own certificate and key, as before. */
export interface X509Material {
  deviceId: string;
  host: string;
  cert: string;
  key: string;
  passphrase?: string;
}

/**
 * `Client.fromAuthenticationProvider(X509AuthenticationProvider.fromX509Options(...), Mqtt)`,
 * or with `provider` when the provider is kept in a variable of its own.
 */
export function x509ClientText(file: AnalysedFile, material: X509Material, provider?: string): string {
  const client = file.imports.use('azure-iot-device', 'Client');
  const mqtt = file.imports.use('azure-iot-device-mqtt', 'Mqtt');
  if (provider !== undefined) return `${client}.fromAuthenticationProvider(${provider}, ${mqtt})`;
  const unit = file.style.indentUnit;
  const comma = file.style.callTrailingCommas ? ',' : '';
  const providerLines = x509ProviderText(file, material).split('\n').map((line) => `${unit}${line}`).join('\n');
  return `${client}.fromAuthenticationProvider(\n${providerLines},\n${unit}${mqtt}${comma}\n)`;
}

export function x509ProviderText(file: AnalysedFile, material: X509Material): string {
  const unit = file.style.indentUnit;
  const comma = file.style.trailingCommas ? ',' : '';
  const field = (name: string, value: string): string => (value === name ? name : `${name}: ${value}`);
  const fields = [field('cert', material.cert), field('key', material.key)];
  if (material.passphrase !== undefined) fields.push(field('passphrase', material.passphrase));
  const provider = file.imports.use('azure-iot-device', 'X509AuthenticationProvider');
  const object = `{\n${fields.map((field, index) => `${unit}${field}${index === fields.length - 1 ? comma : ','}`).join('\n')}\n}`;
  return `${provider}.fromX509Options(${material.deviceId}, ${material.host}, ${object})`;
}

/** `fs.readFileSync(path)` as the file refers to it. */
export function readFileText(file: AnalysedFile, pathExpression: string): string {
  return `${file.imports.use('fs', 'readFileSync')}(${pathExpression})`;
}

/**
 * Opens a client whose AWS counterpart connected on its own. A failed open goes to
 * the client's 'error' event, where mqtt.js (and so the v1 SDK) reported connection
 * errors: the firmware's error handling keeps working, and no promise is left
 * unhandled.
 */
export function openWithErrorEventText(file: AnalysedFile, client: string): string {
  return `${openWithErrorEventCall(file, client)}${statementEnd(file.style)}`;
}

export function openWithErrorEventCall(file: AnalysedFile, client: string): string {
  const error = file.style.errorName;
  const body = [`if (${error}) ${client}.emit(${quoted(file.style, 'error')}, ${error})${statementEnd(file.style)}`];
  return `${client}.open(${functionText(file.style, [error], body)})`;
}

/**
 * The callback for an operation whose AWS counterpart was fire-and-forget: without
 * one the Azure SDK returns a promise, and a rejected promise nobody awaits would
 * stop the process.
 */
export function ignoreOutcomeText(style: SourceStyle): string {
  const head = style.arrowFunctions ? '() =>' : 'function ()';
  return `${head} { /* fire-and-forget, as before */ }`;
}

/** `const message = new Message(payload);` and the topic property, as statements. */
export function messageStatements(file: AnalysedFile, name: string, payload: string, topic: string): string[] {
  const end = statementEnd(file.style);
  const keyword = file.style.declarationKeyword === 'var' ? 'var' : 'const';
  return [
    `${keyword} ${name} = new ${file.imports.use('azure-iot-device', 'Message')}(${payload})${end}`,
    `${name}.properties.add(${quoted(file.style, MQTT_TOPIC_PROPERTY)}, ${topic})${end}`,
  ];
}

/** The topic a cloud-to-device message was sent for. */
export function messageTopicText(file: AnalysedFile, message: string): string {
  return `${message}.properties.getValue(${quoted(file.style, MQTT_TOPIC_PROPERTY)})`;
}

/**
 * An awaitable reported-properties update: the twin's update() only takes a callback,
 * so it is wrapped where the AWS call returned a promise.
 */
export function reportedUpdatePromiseText(file: AnalysedFile, twin: string, patch: string): string {
  const typed = file.language === 'ts';
  const error = file.style.errorName;
  const callback = `(${typed ? `${error}?: Error` : error}) => (${error} ? reject(${error}) : resolve())`;
  const promise = typed ? 'new Promise<void>' : 'new Promise';
  return `${promise}((resolve, reject) => {\n${file.style.indentUnit}${twin}.properties.reported.update(${patch}, ${callback})${statementEnd(file.style)}\n})`;
}
