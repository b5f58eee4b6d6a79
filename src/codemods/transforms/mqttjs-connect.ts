import { ts } from 'ts-morph';
import { kindMadeBy } from '../analysis/aws-value-kinds.js';
import { isAwsIotMqttjsConnect } from '../analysis/mqttjs-aws-connection.js';
import { objectLiteralOf, propertyNameText } from '../analysis/object-literals.js';
import { ConnectionSettings, type SettingRole } from './support/connection-settings.js';
import { emitAzureConnection } from './support/emit-connection.js';
import { FileEdits, type AnalysedFile, type Transform } from './transform.js';

/** IClientOptions of mqtt.js that AWS IoT firmware sets. */
const OPTION_ROLES: Record<string, SettingRole> = {
  clientId: 'device-id',
  host: 'host',
  hostname: 'host',
  key: 'key',
  cert: 'cert',
  passphrase: 'passphrase',
  ca: 'ca',
  port: 'port',
  keepalive: 'keep-alive',
  clean: 'clean-session',
  reconnectPeriod: 'reconnect-timing',
  connectTimeout: 'reconnect-timing',
  queueQoSZero: 'offline-queue',
  resubscribe: 'resubscribe',
  protocolVersion: 'protocol-version',
  rejectUnauthorized: 'reject-unauthorized',
  ALPNProtocols: 'alpn',
  will: 'will',
  username: 'custom-auth',
  password: 'custom-auth',
  servername: 'aws-only',
  properties: 'aws-only',
};

/** `mqtts://host:8883`, `'mqtts://' + host + ':8883'`, `` `mqtts://${host}:8883` ``. */
const URL_PREFIX = /^(mqtts?|wss?|tls|ssl):\/\//;
const URL_PORT_SUFFIX = /:(\d+)\/?$/;

/**
 * mqtt.js: `mqtt.connect(url, { key, cert, ca, clientId })` to an AWS IoT endpoint
 * becomes an X.509 Azure client that is opened right away, as mqtt.js connected on
 * creation. mqtt.js connections that are not to AWS IoT (a local broker) stay as they
 * are, with a finding saying so.
 */
export const mqttjsConnect: Transform = {
  id: 'mqttjs-connect',
  title: 'mqtt.js connection to AWS IoT → Azure IoT Hub device client',
  appliesTo: (file) => file.sdkImports.some((sdkImport) => sdkImport.sdk === 'mqtt'),
  run(file) {
    const edits = new FileEdits(file, 'mqttjs-connect');
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node) && !file.isClaimed(node)) {
        const entity = file.entities.entityOf(node.expression);
        if (entity?.sdk === 'mqtt' && kindMadeBy(entity) === 'mqttjs-client') rewriteConnect(file, edits, node, entity.path[entity.path.length - 1] === 'connectAsync');
      }
      ts.forEachChild(node, visit);
    };
    visit(file.sourceFile);
    return edits.result();
  },
};

function rewriteConnect(file: AnalysedFile, edits: FileEdits, call: ts.CallExpression, isAsync: boolean): void {
  if (!isAwsIotMqttjsConnect(call)) {
    edits.todo(
      call,
      'connection',
      'This mqtt.js connection was left as it is: it has no client certificate and no AWS IoT endpoint, so it looks like a connection to another broker. If it does reach AWS IoT Core, rewrite it to the Azure client by hand.',
    );
    return;
  }
  const [first, second] = call.arguments;
  const optionsArgument = [first, second].find((argument) => argument !== undefined && objectLiteralOf(argument) !== undefined);
  const object = optionsArgument === undefined ? undefined : objectLiteralOf(optionsArgument);
  const settings = new ConnectionSettings(file);
  if (first !== undefined && first !== optionsArgument) readUrl(settings, first);
  for (const property of object?.properties ?? []) {
    if (!ts.isPropertyAssignment(property) && !ts.isShorthandPropertyAssignment(property)) {
      settings.set('unknown', 'option', property, property.getText());
      continue;
    }
    const name = propertyNameText(property.name) ?? property.name.getText();
    const value = ts.isPropertyAssignment(property) ? property.initializer : property.name;
    if (name === 'protocol') {
      const protocol = ts.isStringLiteralLike(value) ? value.text : value.getText();
      if (protocol === 'wss' || protocol === 'ws') settings.set('websockets', 'protocol wss', property, value);
      else if (protocol !== 'mqtts' && protocol !== 'tls' && protocol !== 'ssl') settings.set('unknown', 'protocol', property, value);
      continue;
    }
    if ((name === 'host' || name === 'hostname') && settings.has('host')) continue;
    settings.set(OPTION_ROLES[name] ?? 'unknown', name, property, value);
  }
  emitAzureConnection(file, edits, call, settings, isAsync ? 'connected-when-awaited' : 'connects-on-creation', 'mqtt.js connection to AWS IoT Core');
}

/** Takes the host (and a port) out of the connect URL. */
function readUrl(settings: ConnectionSettings, url: ts.Expression): void {
  const parts = urlParts(url);
  if (parts === undefined) {
    settings.set('unknown', 'connect URL', url, url);
    return;
  }
  if (parts.protocol === 'wss' || parts.protocol === 'ws') settings.set('websockets', 'a wss:// URL', url, url);
  settings.set('host', 'host', url, parts.host);
  if (parts.port !== undefined) settings.set('port', 'port', url, parts.port);
}

/** Protocol, host expression and port of a literal, concatenated or template URL. */
function urlParts(url: ts.Expression): { protocol: string; host: string; port?: string } | undefined {
  const pieces: Array<{ text: string } | { code: string }> = [];
  const collect = (expression: ts.Expression): boolean => {
    if (ts.isStringLiteralLike(expression)) {
      pieces.push({ text: expression.text });
      return true;
    }
    if (ts.isBinaryExpression(expression) && expression.operatorToken.kind === ts.SyntaxKind.PlusToken) {
      return collect(expression.left) && collect(expression.right);
    }
    if (ts.isTemplateExpression(expression)) {
      pieces.push({ text: expression.head.text });
      for (const span of expression.templateSpans) {
        pieces.push({ code: span.expression.getText() });
        pieces.push({ text: span.literal.text });
      }
      return true;
    }
    if (ts.isParenthesizedExpression(expression)) return collect(expression.expression);
    pieces.push({ code: expression.getText() });
    return true;
  };
  if (!collect(url)) return undefined;
  const first = pieces[0];
  if (first === undefined || !('text' in first)) return undefined;
  const protocol = URL_PREFIX.exec(first.text)?.[1];
  if (protocol === undefined) return undefined;
  first.text = first.text.replace(URL_PREFIX, '');
  const last = pieces[pieces.length - 1]!;
  let port: string | undefined;
  if ('text' in last) {
    const match = URL_PORT_SUFFIX.exec(last.text);
    if (match !== undefined && match !== null) {
      port = match[1];
      last.text = last.text.slice(0, match.index);
    } else if (last.text === ':' && pieces.length >= 2) {
      return undefined;
    }
  }
  const kept = pieces.filter((piece) => !('text' in piece) || piece.text !== '');
  if (kept.length === 1 && 'code' in kept[0]!) return { protocol, host: kept[0].code, ...(port === undefined ? {} : { port }) };
  if (kept.every((piece) => 'text' in piece)) {
    const host = kept.map((piece) => ('text' in piece ? piece.text : '')).join('');
    return { protocol, host: `'${host}'`, ...(port === undefined ? {} : { port }) };
  }
  const template = kept.map((piece) => ('text' in piece ? piece.text.replaceAll('`', '\\`') : `\${${piece.code}}`)).join('');
  return { protocol, host: `\`${template}\``, ...(port === undefined ? {} : { port }) };
}
