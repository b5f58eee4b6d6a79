import { ts } from 'ts-morph';
import { statementEnd } from '../../edits/source-style.js';
import { indentLines, indentationAt, siteStatementOf } from '../../edits/statement-edits.js';
import type { AnalysedFile, FileEdits } from '../transform.js';
import { openWithErrorEventText, x509ClientText, x509ProviderText } from './azure-code.js';
import type { ConnectionSettings } from './connection-settings.js';

export type ConnectTiming =
  /** The AWS client connected on construction (v1, mqtt.js): the Azure client must be opened. */
  | 'connects-on-creation'
  /** `await mqtt.connectAsync(...)`: resolved once connected. */
  | 'connected-when-awaited'
  /** connect() or start() is called later; the lifecycle transform maps that call. */
  | 'connects-on-call';

/**
 * Puts the Azure client where the AWS one was made, with the settings' findings. When
 * the settings hold no client certificate (custom authorizer, SigV4 websockets, a
 * hardware key) nothing is guessed: the statement gets a TODO and is commented out.
 */
export function emitAzureConnection(
  file: AnalysedFile,
  edits: FileEdits,
  creation: ts.Expression,
  settings: ConnectionSettings,
  timing: ConnectTiming,
  what: string,
  /** A variable that held the AWS config (`const config = ….build()`): it keeps its name and holds the provider. */
  configVariable?: ts.VariableDeclaration,
): void {
  const outcome = settings.material();
  if ('blockers' in outcome) {
    const reasons = outcome.blockers.map(({ outcome: blocker }) => blocker.note);
    const note =
      reasons.length > 0
        ? `${what} cannot be rewritten without a decision. ${reasons.join(' ')}`
        : `${what} uses no client certificate this codemod can find, and IoT Hub needs the device's X.509 certificate and key (or a SAS key): build the Azure client (Client.fromAuthenticationProvider(X509AuthenticationProvider.fromX509Options(deviceId, hostName, { cert, key }), Mqtt)) by hand.`;
    edits.todo(creation, outcome.blockers[0]?.outcome.construct ?? 'connection', note, { neutralise: true });
    return;
  }
  const site = siteStatementOf(creation);
  const indent = indentationAt(file.text, site.getStart(file.sourceFile));
  settings.report(edits, creation);
  let clientText: string;
  if (configVariable?.initializer !== undefined && ts.isIdentifier(configVariable.name)) {
    const configIndent = indentationAt(file.text, configVariable.getStart(file.sourceFile));
    edits.replace(configVariable.initializer, indentLines(x509ProviderText(file, outcome.material), configIndent));
    clientText = x509ClientText(file, outcome.material, configVariable.name.text);
  } else {
    clientText = indentLines(x509ClientText(file, outcome.material), indent);
  }

  let target: ts.Node = creation;
  while (ts.isParenthesizedExpression(target.parent) || ts.isAwaitExpression(target.parent)) target = target.parent;
  const end = statementEnd(file.style);
  const holder = target.parent;

  if (timing === 'connects-on-call') {
    edits.replace(creation, clientText);
  } else if (ts.isVariableDeclaration(holder) && ts.isIdentifier(holder.name) && ts.isVariableStatement(holder.parent.parent)) {
    edits.replace(target, clientText);
    edits.insertLinesAfter(holder.parent.parent, [openStatement(file, holder.name.text, timing)]);
  } else if (ts.isReturnStatement(holder)) {
    const name = file.names.pick(holder, 'client');
    const keyword = file.style.declarationKeyword === 'var' ? 'var' : 'const';
    edits.replace(holder, [`${keyword} ${name} = ${clientText}${end}`, indentLines(openStatement(file, name, timing), indent), `return ${name}${end}`].join(`\n${indent}`));
  } else if (ts.isBinaryExpression(holder) && holder.right === target && ts.isExpressionStatement(holder.parent)) {
    edits.replace(target, clientText);
    edits.insertLinesAfter(holder.parent, [openStatement(file, holder.left.getText(file.sourceFile), timing)]);
  } else {
    edits.replace(target, clientText);
    edits.todo(
      creation,
      'connection',
      'The AWS client connected as soon as it was made; the Azure client connects on open(). Call open() on it once its handlers are registered.',
    );
  }
  edits.rewritten(creation, 'connection', `${what} → Azure IoT Hub device client over MQTT: ${settings.describe()}.`);
}

function openStatement(file: AnalysedFile, client: string, timing: ConnectTiming): string {
  return timing === 'connected-when-awaited' ? `await ${client}.open()${statementEnd(file.style)}` : openWithErrorEventText(file, client);
}
