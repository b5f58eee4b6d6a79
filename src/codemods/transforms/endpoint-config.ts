import { ts } from 'ts-morph';
import { quoted } from '../edits/source-style.js';
import { FileEdits, type AnalysedFile, type Transform } from './transform.js';

/** The variable the rewritten firmware reads the IoT Hub host name from. */
export const IOTHUB_HOSTNAME_VARIABLE = 'IOTHUB_HOSTNAME';

/** Environment variables that hold the AWS IoT endpoint: AWS_IOT_ENDPOINT, IOT_ENDPOINT, AWS_IOT_HOST, ... */
const AWS_ENDPOINT_VARIABLE = /^(?=.*IOT)(?!.*IOTHUB)[A-Z0-9_]*ENDPOINT[A-Z0-9_]*$|^(AWS|MQTT|BROKER)_ENDPOINT$|^(AWS_)?IOT_HOST(NAME)?$/;
const ATS_ENDPOINT = /\b[a-z0-9]+(-ats)?\.iot\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\b/;

/**
 * Where the firmware reads the AWS IoT endpoint from the environment, it reads the IoT
 * Hub host name from the same place under IOTHUB_HOSTNAME; the variable's name in
 * messages (`required('AWS_IOT_ENDPOINT', …)`) changes with it. An endpoint written
 * into the code gets a TODO: only the developer knows the hub's name.
 */
export const endpointConfig: Transform = {
  id: 'endpoint-config',
  title: 'AWS endpoint from env/config → IoT Hub host name from IOTHUB_HOSTNAME',
  appliesTo: (file) => /ENDPOINT|HOST|amazonaws\.com/.test(file.text),
  run(file) {
    const edits = new FileEdits(file, 'endpoint-config');
    const visit = (node: ts.Node): void => {
      if (file.isWithinClaimed(node)) return;
      const read = environmentReadOf(file, node);
      if (read !== undefined && AWS_ENDPOINT_VARIABLE.test(read.variable)) {
        edits.replace(read.nameNode, ts.isIdentifier(read.nameNode) ? IOTHUB_HOSTNAME_VARIABLE : quoted(file.style, IOTHUB_HOSTNAME_VARIABLE));
        edits.rewritten(
          node,
          'endpoint-config',
          `Reads the IoT Hub host name from ${IOTHUB_HOSTNAME_VARIABLE} (was ${read.variable}, the AWS IoT endpoint): set it to <hub>.azure-devices.net where ${read.variable} was set.`,
        );
        return;
      }
      const renamed = isStringPart(node) && !isEnvironmentKey(node) ? renameVariablesIn(node.getText(file.sourceFile)) : undefined;
      if (renamed !== undefined) {
        edits.replace(node, renamed.text);
        edits.rewritten(
          node,
          'endpoint-config',
          `Environment variable ${renamed.names.join(', ')} → ${IOTHUB_HOSTNAME_VARIABLE}: the IoT Hub host name is read where the AWS endpoint was; set it to <hub>.azure-devices.net.`,
        );
        return;
      }
      if (ts.isStringLiteralLike(node) && ATS_ENDPOINT.test(node.text)) {
        edits.todo(
          node,
          'endpoint-config',
          `The AWS IoT endpoint ${ATS_ENDPOINT.exec(node.text)?.[0] ?? ''} is written into the code: replace it with the IoT Hub host name (<hub>.azure-devices.net), best read from ${IOTHUB_HOSTNAME_VARIABLE}.`,
        );
        return;
      }
      ts.forEachChild(node, visit);
    };
    visit(file.sourceFile);
    return edits.result();
  },
};

/** `process.env.X`, `process.env['X']`, `env.X` for an `env` that is process.env. */
function environmentReadOf(file: AnalysedFile, node: ts.Node): { variable: string; nameNode: ts.Node } | undefined {
  if (ts.isPropertyAccessExpression(node) && isEnvironment(file, node.expression)) return { variable: node.name.text, nameNode: node.name };
  if (ts.isElementAccessExpression(node) && ts.isStringLiteral(node.argumentExpression) && isEnvironment(file, node.expression)) {
    return { variable: node.argumentExpression.text, nameNode: node.argumentExpression };
  }
  return undefined;
}

function isEnvironment(file: AnalysedFile, expression: ts.Expression): boolean {
  if (expression.getText(file.sourceFile) === 'process.env') return true;
  if (!ts.isIdentifier(expression)) return false;
  const declaration = file.index.declarationOf(expression);
  if (declaration === undefined || !(ts.isParameter(declaration) || ts.isVariableDeclaration(declaration))) return false;
  const typeText = declaration.type?.getText(file.sourceFile) ?? '';
  const initializerText = declaration.initializer?.getText(file.sourceFile) ?? '';
  return typeText.includes('ProcessEnv') || initializerText === 'process.env';
}

/** A string literal or the text parts of a template: where a variable's name appears in messages. */
function isStringPart(node: ts.Node): boolean {
  return ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateHead(node) || ts.isTemplateMiddle(node) || ts.isTemplateTail(node);
}

/** The source text with every AWS endpoint variable name in it replaced, or undefined when there is none. */
function renameVariablesIn(source: string): { text: string; names: string[] } | undefined {
  const names = new Set<string>();
  const text = source.replace(/\b[A-Z][A-Z0-9_]*\b/g, (word) => {
    if (!AWS_ENDPOINT_VARIABLE.test(word)) return word;
    names.add(word);
    return IOTHUB_HOSTNAME_VARIABLE;
  });
  return names.size === 0 ? undefined : { text, names: [...names] };
}

/** `process.env['AWS_IOT_ENDPOINT']`: handled as a read, not as a name in a message. */
function isEnvironmentKey(node: ts.Node): boolean {
  return ts.isElementAccessExpression(node.parent) && node.parent.argumentExpression === node;
}
