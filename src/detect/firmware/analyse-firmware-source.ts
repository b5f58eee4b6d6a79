import { ts } from 'ts-morph';
import type { FirmwareFileFinding } from '../../manifest/schema.js';
import { isAwsReservedTopic, reservedTopicService, type ReservedTopicService } from './aws-reserved-topics.js';
import { deviceSdkModuleOf, serviceOfDeepImport, type DeviceSdkModule, type FirmwareFlavour } from './device-sdk-modules.js';
import { renderTopic } from './render-topic.js';

export type FirmwareSourceFindings = Omit<FirmwareFileFinding, 'path'>;

const TOPIC_METHODS = new Map<string, 'publish' | 'subscribe'>([
  ['publish', 'publish'],
  ['publishAsync', 'publish'],
  ['subscribe', 'subscribe'],
  ['subscribeAsync', 'subscribe'],
]);

/**
 * What one firmware source file does with AWS IoT, read from its syntax tree alone (no
 * type checker, so a large repo scans fast). Works on the compiler node rather than
 * ts-morph wrappers: one walk, and no wrapper object per node.
 *
 * `.publish()` / `.subscribe()` calls count only in files that import a device SDK, or
 * when the topic is an AWS reserved `$aws/...` topic: without types the receiver is
 * unknown, and an in-process event bus has methods with the same names.
 */
export function analyseFirmwareSource(sourceFile: ts.SourceFile): FirmwareSourceFindings {
  const flavours = new Set<FirmwareFlavour>();
  const services = new Set<ReservedTopicService>();
  const topics = { publish: new Set<string>(), subscribe: new Set<string>() };
  /** Local names bound to a whole SDK module: `import * as sdk`, `const awsIot = require(...)`. */
  const moduleBindings = new Map<string, DeviceSdkModule>();
  /** `object.member` accesses, matched against moduleBindings after the walk: a require may follow its use. */
  const memberAccesses: Array<{ object: string; member: string }> = [];

  const noteModule = (specifier: string): DeviceSdkModule | undefined => {
    const module = deviceSdkModuleOf(specifier);
    if (module === undefined) return undefined;
    flavours.add(module.flavour);
    const service = serviceOfDeepImport(module, specifier);
    if (service !== undefined) services.add(service);
    return module;
  };
  const noteExport = (module: DeviceSdkModule, exportName: string): void => {
    const service = module.serviceExports.get(exportName);
    if (service !== undefined) services.add(service);
  };
  const noteTopic = (topic: string | undefined): void => {
    const service = topic === undefined ? undefined : reservedTopicService(topic);
    if (service !== undefined) services.add(service);
  };

  const bindRequireResult = (call: ts.CallExpression, module: DeviceSdkModule): void => {
    let result: ts.Node = call;
    while (ts.isAwaitExpression(result.parent) || ts.isParenthesizedExpression(result.parent)) result = result.parent;
    const parent = result.parent;
    if (ts.isVariableDeclaration(parent)) {
      if (ts.isIdentifier(parent.name)) {
        moduleBindings.set(parent.name.text, module);
      } else if (ts.isObjectBindingPattern(parent.name)) {
        for (const element of parent.name.elements) {
          const exported = element.propertyName ?? element.name;
          if (ts.isIdentifier(exported) || ts.isStringLiteral(exported)) noteExport(module, exported.text);
        }
      }
    } else if (ts.isPropertyAccessExpression(parent)) {
      noteExport(module, parent.name.text);
    }
  };

  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const module = noteModule(node.moduleSpecifier.text);
      const clause = node.importClause;
      if (module !== undefined && clause !== undefined) {
        if (clause.name !== undefined) moduleBindings.set(clause.name.text, module);
        const named = clause.namedBindings;
        if (named !== undefined && ts.isNamespaceImport(named)) moduleBindings.set(named.name.text, module);
        if (named !== undefined && ts.isNamedImports(named)) {
          for (const element of named.elements) noteExport(module, (element.propertyName ?? element.name).text);
        }
      }
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier !== undefined && ts.isStringLiteral(node.moduleSpecifier)) {
      const module = noteModule(node.moduleSpecifier.text);
      if (module !== undefined && node.exportClause !== undefined && ts.isNamedExports(node.exportClause)) {
        for (const element of node.exportClause.elements) noteExport(module, (element.propertyName ?? element.name).text);
      }
    } else if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference) &&
      ts.isStringLiteral(node.moduleReference.expression)
    ) {
      const module = noteModule(node.moduleReference.expression.text);
      if (module !== undefined) moduleBindings.set(node.name.text, module);
    } else if (ts.isCallExpression(node)) {
      const specifier = loadedModuleSpecifier(node);
      if (specifier !== undefined) {
        const module = noteModule(specifier);
        if (module !== undefined) bindRequireResult(node, module);
      } else {
        collectTopics(node, topics);
      }
    } else if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression)) {
      memberAccesses.push({ object: node.expression.text, member: node.name.text });
    }
    if (isOutermostStringExpression(node)) noteTopic(renderTopic(node));
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);

  for (const { object, member } of memberAccesses) {
    const module = moduleBindings.get(object);
    if (module !== undefined) noteExport(module, member);
  }

  const reported = (found: Set<string>): string[] => {
    const kept = [...found].filter((topic) => flavours.size > 0 || isAwsReservedTopic(topic)).sort();
    kept.forEach(noteTopic);
    return kept;
  };
  const publishes = reported(topics.publish);
  const subscribes = reported(topics.subscribe);
  return {
    flavours: [...flavours].sort(),
    publishes,
    subscribes,
    usesShadow: services.has('shadow'),
    usesJobs: services.has('jobs'),
    usesProvisioning: services.has('provisioning'),
  };
}

export function hasFirmwareFindings(findings: FirmwareSourceFindings): boolean {
  return (
    findings.flavours.length > 0 ||
    findings.publishes.length > 0 ||
    findings.subscribes.length > 0 ||
    findings.usesShadow ||
    findings.usesJobs ||
    findings.usesProvisioning
  );
}

/** The module a `require('x')` or `import('x')` call loads, when it is a literal. */
function loadedModuleSpecifier(call: ts.CallExpression): string | undefined {
  const isRequire = ts.isIdentifier(call.expression) && call.expression.text === 'require';
  if (!isRequire && call.expression.kind !== ts.SyntaxKind.ImportKeyword) return undefined;
  const [first] = call.arguments;
  return first !== undefined && ts.isStringLiteralLike(first) ? first.text : undefined;
}

/**
 * Topics of `x.publish(topic, ...)` / `x.subscribe(topic, ...)`, including the other
 * shapes the device SDKs accept as first argument: an array of topics and an mqtt.js
 * `{ [topic]: { qos } }` map, and the MQTT 5 packets `{ topicName }` and
 * `{ subscriptions: [{ topicFilter }] }`.
 */
function collectTopics(call: ts.CallExpression, topics: { publish: Set<string>; subscribe: Set<string> }): void {
  if (!ts.isPropertyAccessExpression(call.expression)) return;
  const method = TOPIC_METHODS.get(call.expression.name.text);
  const [first] = call.arguments;
  if (method === undefined || first === undefined) return;
  for (const topic of topicsOfArgument(first, method)) topics[method].add(topic);
}

function topicsOfArgument(argument: ts.Expression, method: 'publish' | 'subscribe'): string[] {
  const rendered: Array<string | undefined> = [];
  if (ts.isArrayLiteralExpression(argument)) {
    for (const element of argument.elements) {
      if (!ts.isSpreadElement(element)) rendered.push(renderTopic(element));
    }
  } else if (ts.isObjectLiteralExpression(argument)) {
    const topicName = propertyValue(argument, 'topicName');
    const subscriptions = propertyValue(argument, 'subscriptions');
    if (method === 'publish') {
      if (topicName !== undefined) rendered.push(renderTopic(topicName));
    } else if (subscriptions !== undefined) {
      if (ts.isArrayLiteralExpression(subscriptions)) {
        for (const subscription of subscriptions.elements) {
          const filter = ts.isObjectLiteralExpression(subscription) ? propertyValue(subscription, 'topicFilter') : undefined;
          if (filter !== undefined) rendered.push(renderTopic(filter));
        }
      }
    } else {
      for (const property of argument.properties) rendered.push(topicOfPropertyName(property));
    }
  } else {
    rendered.push(renderTopic(argument));
  }
  return rendered.filter((topic): topic is string => topic !== undefined);
}

function propertyValue(object: ts.ObjectLiteralExpression, name: string): ts.Expression | undefined {
  for (const property of object.properties) {
    if (ts.isPropertyAssignment(property) && !ts.isComputedPropertyName(property.name) && property.name.text === name) {
      return property.initializer;
    }
    if (ts.isShorthandPropertyAssignment(property) && property.name.text === name) return property.name;
  }
  return undefined;
}

function topicOfPropertyName(property: ts.ObjectLiteralElementLike): string | undefined {
  if (!ts.isPropertyAssignment(property)) return undefined;
  const name = property.name;
  if (ts.isComputedPropertyName(name)) return renderTopic(name.expression);
  return ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isNoSubstitutionTemplateLiteral(name) ? name.text : undefined;
}

/** A string-valued expression that is not itself part of a larger concatenation. */
function isOutermostStringExpression(node: ts.Node): node is ts.Expression {
  const isStringExpression =
    ts.isStringLiteral(node) ||
    ts.isNoSubstitutionTemplateLiteral(node) ||
    ts.isTemplateExpression(node) ||
    isConcatenation(node);
  return isStringExpression && !isConcatenation(node.parent);
}

function isConcatenation(node: ts.Node): boolean {
  return ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.PlusToken;
}
