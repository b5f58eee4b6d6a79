import { ts } from 'ts-morph';
import { isClientKind } from '../analysis/aws-value-kinds.js';
import { siteStatementOf } from '../edits/statement-edits.js';
import { FileEdits, type AnalysedFile, type Transform } from './transform.js';

/** Methods the Azure client has too (it is an EventEmitter), with the same meaning. */
const SHARED_CLIENT_MEMBERS = new Set([
  'on',
  'once',
  'off',
  'addListener',
  'prependListener',
  'prependOnceListener',
  'removeListener',
  'removeAllListeners',
  'emit',
  'listeners',
  'listenerCount',
  'setMaxListeners',
  'open',
  'close',
  'sendEvent',
  'getTwin',
  'onDeviceMethod',
]);

const KNOWN_NOTES: Record<string, string> = {
  unsubscribe:
    "IoT Hub has no subscriptions: to stop handling commands, remove the 'message' listener (client.removeListener('message', handler)).",
  reconnect: 'The Azure client reconnects by itself under its retry policy (client.setRetryPolicy).',
  connected: "The Azure client has no connected flag: track it from the 'connect' and 'disconnect' events.",
  getQueueSize: 'The Azure client has no offline queue to inspect: sendEvent() waits for the connection and retries.',
};

/**
 * The safety net, last in the list: any use of an AWS device SDK that no transform
 * mapped gets a TODO, and code that cannot run without the AWS SDK is commented out
 * with it (types become `any`). Code that used what was commented out follows it, so
 * the output compiles and nothing AWS-specific disappears without a finding. After
 * this, no AWS import is needed.
 */
export const unmappedAwsUsage: Transform = {
  id: 'unmapped-aws-usage',
  title: 'anything else from an AWS IoT device SDK → TODO',
  appliesTo: (file) => file.sdkImports.length > 0 || file.memberCalls().length > 0 || file.claimedRanges().some((range) => range.neutralised),
  run(file) {
    const edits = new FileEdits(file, 'unmapped-aws-usage');
    const sites = new Set<ts.Node>();
    const isTaken = (node: ts.Node): boolean => file.isWithinClaimed(node) || [...sites].some((site) => within(node, site));

    const neutralise = (node: ts.Node, note: string): void => {
      const site = siteStatementOf(node);
      if (isTaken(site)) return;
      if (overlapsClaimed(file, site)) {
        edits.todo(node, 'unmapped-sdk-use', `${note} (This statement also holds rewritten code, so it was left in place: it will not run as it is.)`);
        return;
      }
      sites.add(site);
      edits.todo(node, 'unmapped-sdk-use', note, { neutralise: true });
    };

    const visit = (node: ts.Node): void => {
      if (isTaken(node) || ts.isImportDeclaration(node) || ts.isImportEqualsDeclaration(node) || isSdkRequireStatement(file, node)) return;
      if (ts.isTypeReferenceNode(node) && file.entities.entityOf(node.typeName) !== undefined) {
        const text = node.getText(file.sourceFile);
        edits.replace(node, 'any');
        edits.todo(node, 'unmapped-sdk-use', `${text} is an AWS SDK type with no Azure counterpart here; it is any for now: give it the Azure type (azure-iot-device) this code needs.`);
        return;
      }
      if ((ts.isPropertyAccessExpression(node) || ts.isIdentifier(node)) && !ts.isTypeNode(node.parent)) {
        const entity = file.entities.entityOf(node);
        if (entity !== undefined && !isDeclarationName(node)) {
          neutralise(node, `${node.getText(file.sourceFile)} (${entity.sdk}) has no mapping to the Azure IoT device SDK here: decide what this code must do on IoT Hub. The AWS code is kept below, commented out.`);
          return;
        }
      }
      if (ts.isPropertyAccessExpression(node) && !file.isWithinClaimed(node.name)) {
        const kind = file.kindOf(node.expression);
        const member = node.name.text;
        if (kind !== undefined && !(isClientKind(kind) && SHARED_CLIENT_MEMBERS.has(member))) {
          const known = KNOWN_NOTES[member];
          neutralise(
            node,
            `${node.getText(file.sourceFile)}: ${known ?? `the AWS ${describeKind(kind)} member ${member} has no counterpart on the Azure client.`} The AWS code is kept below, commented out.`,
          );
          return;
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(file.sourceFile);

    // Code that used a name whose declaration was commented out cannot run either.
    const returnsNoted = new Set<ts.Node>();
    for (let changed = true; changed; ) {
      changed = false;
      const removed = declarationsIn(file, [...file.claimedRanges().filter((range) => range.neutralised), ...edits.neutralisedRanges()]);
      if (removed.size === 0) break;
      const references: ts.Identifier[] = [];
      const collect = (node: ts.Node): void => {
        if (isTaken(node)) return;
        if (ts.isIdentifier(node) && !isDeclarationName(node)) {
          const declaration = file.index.declarationOf(node);
          if (declaration !== undefined && removed.has(declaration)) references.push(node);
        }
        ts.forEachChild(node, collect);
      };
      collect(file.sourceFile);
      for (const reference of references) {
        if (isTaken(reference)) continue;
        const site = siteStatementOf(reference);
        if (ts.isReturnStatement(site)) {
          // Commenting a return out would change what the function returns: leave it to the developer.
          if (!returnsNoted.has(site)) {
            returnsNoted.add(site);
            edits.todo(reference, 'unmapped-sdk-use', `This returns ${reference.text}, which is commented out above with the AWS code it came from: decide what to return instead.`);
          }
          continue;
        }
        neutralise(reference, `This uses ${reference.text}, which is commented out above with the AWS code it came from. Kept below, commented out.`);
        changed = true;
      }
    }
    return edits.result();
  },
};

function describeKind(kind: string): string {
  return kind.replaceAll('-', ' ');
}

function within(node: ts.Node, site: ts.Node): boolean {
  return node.pos >= site.pos && node.end <= site.end;
}

function overlapsClaimed(file: AnalysedFile, site: ts.Node): boolean {
  const start = site.getStart(file.sourceFile);
  return file.claimedRanges().some((range) => range.start < site.end && range.end > start);
}

function isDeclarationName(node: ts.Node): boolean {
  const parent = node.parent;
  return (
    (ts.isVariableDeclaration(parent) || ts.isParameter(parent) || ts.isFunctionDeclaration(parent) || ts.isBindingElement(parent)) &&
    (parent as ts.NamedDeclaration).name === node
  );
}

function isSdkRequireStatement(file: AnalysedFile, node: ts.Node): boolean {
  return file.sdkImports.some((sdkImport) => sdkImport.statement === node);
}

/** Declarations (variables, functions, classes) inside the given original ranges. */
function declarationsIn(file: AnalysedFile, ranges: ReadonlyArray<{ start: number; end: number }>): Set<ts.Node> {
  const found = new Set<ts.Node>();
  if (ranges.length === 0) return found;
  const inside = (node: ts.Node): boolean => {
    const start = node.getStart(file.sourceFile);
    return ranges.some((range) => start >= range.start && node.end <= range.end);
  };
  const visit = (node: ts.Node): void => {
    if ((ts.isVariableDeclaration(node) || ts.isFunctionDeclaration(node) || ts.isClassDeclaration(node) || ts.isBindingElement(node)) && inside(node)) {
      found.add(node);
    }
    ts.forEachChild(node, visit);
  };
  visit(file.sourceFile);
  return found;
}
