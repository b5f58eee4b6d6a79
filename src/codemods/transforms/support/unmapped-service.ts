import { ts } from 'ts-morph';
import { isClientKind, type AwsValueKind } from '../../analysis/aws-value-kinds.js';
import type { SdkEntity } from '../../analysis/sdk-entities.js';
import { siteStatementOf } from '../../edits/statement-edits.js';
import type { RewriteConstruct } from '../../report/rewrite-report.js';
import { FileEdits, isNextSibling, type AnalysedFile, type TransformResult } from '../transform.js';
import { messageListenerOf } from './message-handlers.js';
import { classifyTopic, type TopicClass } from './topics.js';

/**
 * An AWS IoT service with no device-side counterpart on IoT Hub (Jobs, fleet
 * provisioning, Greengrass). Every use gets a TODO that spells out the Azure option
 * and is commented out: these must be decided by a person, never guessed.
 */
export interface UnmappedService {
  id: string;
  construct: RewriteConstruct;
  /** Values that are this service's clients. */
  kinds: ReadonlySet<AwsValueKind>;
  /** SDK exports that belong to the service: `{ sdk, path: ['iotjobs'] }` covers all of iotjobs. */
  exports: ReadonlyArray<{ sdk: SdkEntity['sdk']; path: readonly string[] }>;
  /** Its reserved MQTT topics, for firmware that uses them directly. */
  topicKind?: TopicClass['kind'];
  /** The first TODO in a file: what the Azure option is. */
  note: string;
  /** Later TODOs in the same file point back at the first. */
  shortNote: string;
}

const TOPIC_METHODS = new Set(['publish', 'publishAsync', 'subscribe', 'subscribeAsync']);

export function rewriteUnmappedService(file: AnalysedFile, service: UnmappedService): TransformResult | undefined {
  const edits = new FileEdits(file, service.id);
  const sites = new Map<ts.Node, ts.Node>();
  const addSite = (node: ts.Node): void => {
    const site = siteStatementOf(node);
    if (!sites.has(site)) sites.set(site, node);
  };

  const visit = (node: ts.Node): void => {
    if (file.isWithinClaimed(node)) return;
    if ((ts.isPropertyAccessExpression(node) || ts.isIdentifier(node)) && !isInType(node) && !isImportName(node)) {
      const entity = file.entities.entityOf(node);
      if (entity !== undefined && belongsTo(service, entity)) {
        addSite(node);
        return;
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file.sourceFile);

  for (const memberCall of file.memberCalls()) {
    if (file.isClaimed(memberCall.call)) continue;
    if (service.kinds.has(memberCall.receiverKind)) {
      addSite(memberCall.call);
      continue;
    }
    if (service.topicKind === undefined || !isClientKind(memberCall.receiverKind)) continue;
    if (TOPIC_METHODS.has(memberCall.method)) {
      const topic = topicOf(memberCall.call, memberCall.receiverKind);
      if (topic !== undefined && classifyTopic(topic).kind === service.topicKind) addSite(memberCall.call);
      continue;
    }
    const listener = messageListenerOf(file, memberCall);
    if (listener?.guard !== undefined && classifyTopic(listener.guard.topic).kind === service.topicKind) addSite(memberCall.call);
  }

  // Adjacent statements of the same flow share one TODO and are commented out together.
  const runs: Array<{ first: ts.Node; last: ts.Node; node: ts.Node }> = [];
  for (const [site, node] of [...sites.entries()].sort(([a], [b]) => a.pos - b.pos)) {
    const run = runs[runs.length - 1];
    if (run !== undefined && isNextSibling(run.last, site)) run.last = site;
    else runs.push({ first: site, last: site, node });
  }
  runs.forEach((run, index) => {
    edits.todo(run.node, service.construct, index === 0 ? service.note : service.shortNote, { neutralise: true, site: run.first, through: run.last });
  });
  return edits.result();
}

function belongsTo(service: UnmappedService, entity: SdkEntity): boolean {
  return service.exports.some(
    (owned) => owned.sdk === entity.sdk && owned.path.length <= entity.path.length && owned.path.every((part, index) => entity.path[index] === part),
  );
}

function topicOf(call: ts.CallExpression, kind: AwsValueKind): ts.Expression | undefined {
  const [first] = call.arguments;
  if (first === undefined) return undefined;
  if (kind === 'v2-mqtt5-client' && ts.isObjectLiteralExpression(first)) {
    for (const property of first.properties) {
      if (ts.isPropertyAssignment(property) && property.name.getText() === 'topicName') return property.initializer;
    }
    return undefined;
  }
  if (ts.isArrayLiteralExpression(first)) return first.elements[0];
  return first;
}

function isInType(node: ts.Node): boolean {
  for (let current = node.parent; current !== undefined; current = current.parent) {
    if (ts.isTypeNode(current)) return true;
    if (ts.isStatement(current)) return false;
  }
  return false;
}

function isImportName(node: ts.Node): boolean {
  for (let current: ts.Node | undefined = node; current !== undefined; current = current.parent) {
    if (ts.isImportDeclaration(current) || ts.isImportEqualsDeclaration(current)) return true;
    if (ts.isVariableDeclaration(current)) return current.name === node || (ts.isBindingElement(node.parent) && node.parent.name === node);
    if (ts.isStatement(current)) return false;
  }
  return false;
}
