import { ts } from 'ts-morph';
import { objectLiteralOf, propertyInitializer, propertyNameText } from '../../analysis/object-literals.js';
import { statementEnd } from '../../edits/source-style.js';
import { contains, indentationAt, indentLines } from '../../edits/statement-edits.js';
import type { AnalysedFile, FileEdits } from '../transform.js';
import { functionText, ignoreOutcomeText, reportedUpdatePromiseText } from './azure-code.js';
import { parameterReferences, type HandlerRewrite, type Substitution } from './handler-rewrite.js';

/** The parts of a shadow update document `{ state: { reported, desired }, version }`. */
export interface ShadowUpdate {
  reported: ts.Expression | undefined;
  desired: ts.Expression | undefined;
  /** Fields beside `state` (version, clientToken, thingName) that the twin does not take. */
  extras: string[];
}

/** Reads `{ thingName, state: { reported: … } }`, or the same inside `JSON.stringify(…)`. */
export function shadowUpdateOf(document: ts.Expression | undefined): ShadowUpdate | undefined {
  if (document === undefined) return undefined;
  let expression = document;
  if (ts.isCallExpression(expression) && expression.expression.getText() === 'JSON.stringify' && expression.arguments[0] !== undefined) {
    expression = expression.arguments[0];
  }
  const object = objectLiteralOf(expression);
  const state = object === undefined ? undefined : propertyInitializer(object, 'state');
  const stateObject = state === undefined ? undefined : objectLiteralOf(state);
  if (object === undefined || stateObject === undefined) return undefined;
  const extras = object.properties
    .map((property) => (ts.isPropertyAssignment(property) || ts.isShorthandPropertyAssignment(property) ? propertyNameText(property.name) : undefined))
    .filter((name): name is string => name !== undefined && name !== 'state' && name !== 'thingName');
  for (const property of stateObject.properties) {
    const name = ts.isPropertyAssignment(property) || ts.isShorthandPropertyAssignment(property) ? propertyNameText(property.name) : undefined;
    if (name !== 'reported' && name !== 'desired') extras.push(`state.${name ?? property.getText()}`);
  }
  return { reported: propertyInitializer(stateObject, 'reported'), desired: propertyInitializer(stateObject, 'desired'), extras };
}

/**
 * How a reported-properties update replaces the AWS call: awaitable where the call
 * returned a promise that is used, fire-and-forget on a twin at hand, or through the
 * client (`client.getTwin((err, twin) => …)`) where there is no twin variable.
 */
export type ReportedUpdateForm = 'awaitable' | 'fire-and-forget' | 'via-client';

const PATCH = '\u0000patch\u0000';

/**
 * Replaces `call` with a reported-properties update of `patch`. The patch keeps its
 * own text in place, so edits inside it (a listener's parameter rewritten) still apply.
 */
export function replaceWithReportedUpdate(
  file: AnalysedFile,
  edits: FileEdits,
  call: ts.Expression,
  patch: ts.Expression,
  form: ReportedUpdateForm,
  target: string,
): void {
  const template = reportedUpdateTemplate(file, form, target);
  const indent = indentationAt(file.text, call.getStart(file.sourceFile));
  const [prefix, suffix] = indentLines(template, indent).split(PATCH) as [string, string];
  edits.replaceRange(call.getStart(file.sourceFile), patch.getStart(file.sourceFile), prefix);
  edits.replaceRange(patch.end, call.end, suffix);
}

function reportedUpdateTemplate(file: AnalysedFile, form: ReportedUpdateForm, target: string): string {
  const fireAndForget = (twin: string): string => `${twin}.properties.reported.update(${PATCH}, ${ignoreOutcomeText(file.style)})`;
  switch (form) {
    case 'awaitable':
      return reportedUpdatePromiseText(file, target, PATCH);
    case 'fire-and-forget':
      return fireAndForget(target);
    case 'via-client': {
      const twin = 'twin';
      const update = `if (${twin}) ${fireAndForget(twin)}${statementEnd(file.style)}`;
      return `${target}.getTwin(${functionText(file.style, [file.style.errorName, twin], [update])})`;
    }
  }
}

export type DesiredListenerShape =
  /** v2 IotShadowClient: `(error, event) => …`, `event.state` is the delta. */
  | 'v2-callback'
  /** v2 IotShadowClientv2 stream: `(event) => …`, `event.message.state` is the delta. */
  | 'v2-stream'
  /** v1 thingShadow 'delta': `(thingName, stateObject) => …`, `stateObject.state` is the delta. */
  | 'v1-delta';

/**
 * Turns a shadow delta listener into a twin 'properties.desired' listener, which gets
 * the desired-properties patch: references to the delta become the patch, the version
 * becomes `$version`, and checks that cannot fail any more (a deserialisation error,
 * the thing name) go. What else the listener reads of the AWS event is returned.
 */
export function desiredListenerRewrite(
  file: AnalysedFile,
  handler: ts.ArrowFunction | ts.FunctionExpression,
  shape: DesiredListenerShape,
  registeredName: string | undefined,
): { rewrite: HandlerRewrite; unmapped: string[] } {
  const delta = file.names.pick(handler, 'delta', 'desiredDelta');
  const substitutions: Substitution[] = [];
  const deletions: ts.Statement[] = [];
  const unmapped = new Set<string>();
  const eventIndex = shape === 'v2-callback' || shape === 'v1-delta' ? 1 : 0;

  const deletedGuards = new Set<ts.Statement>();
  if (shape === 'v1-delta') {
    for (const reference of parameterReferences(file, handler, 0)) {
      const guard = nameGuardOf(reference);
      if (guard !== undefined) {
        if (!deletedGuards.has(guard)) deletions.push(guard);
        deletedGuards.add(guard);
      } else if (registeredName !== undefined) {
        substitutions.push({ node: reference, text: registeredName });
      } else {
        unmapped.add(reference.text);
      }
    }
  }
  if (shape === 'v2-callback') {
    const references = parameterReferences(file, handler, 0);
    const removals = references.map((reference) => errorCheckRemoval(reference));
    for (const removal of removals) {
      if (removal?.kind === 'statement' && !deletedGuards.has(removal.statement)) {
        deletions.push(removal.statement);
        deletedGuards.add(removal.statement);
      }
    }
    references.forEach((reference, index) => {
      const removal = removals[index];
      if (removal?.kind === 'operand') substitutions.push({ start: removal.start, end: removal.end, text: '' });
      else if (removal === undefined && ![...deletedGuards].some((guard) => contains(guard, reference))) unmapped.add(reference.text);
    });
  }
  for (const reference of parameterReferences(file, handler, eventIndex)) {
    if ([...deletedGuards].some((guard) => contains(guard, reference))) continue;
    let event: ts.Expression = reference;
    if (shape === 'v2-stream') {
      const message = event.parent;
      if (!ts.isPropertyAccessExpression(message) || message.name.text !== 'message') {
        unmapped.add(reference.text);
        continue;
      }
      event = message;
    }
    const field = event.parent;
    if (ts.isPropertyAccessExpression(field) && field.expression === event) {
      if (field.name.text === 'state') {
        substitutions.push({ node: field, text: delta });
        continue;
      }
      if (field.name.text === 'version') {
        substitutions.push({ node: field, text: `${delta}.$version` });
        continue;
      }
    }
    unmapped.add((ts.isPropertyAccessExpression(field) ? field : event).getText(file.sourceFile));
  }
  const param = file.language === 'ts' ? `${delta}: object` : delta;
  return { rewrite: { params: [param], prologue: [], substitutions, deletions }, unmapped: [...unmapped] };
}

/** `if (name !== thingName) return;`: the twin is always this device's. */
function nameGuardOf(reference: ts.Identifier): ts.IfStatement | undefined {
  const comparison = reference.parent;
  if (!ts.isBinaryExpression(comparison)) return undefined;
  const operator = comparison.operatorToken.kind;
  if (operator !== ts.SyntaxKind.ExclamationEqualsEqualsToken && operator !== ts.SyntaxKind.ExclamationEqualsToken) return undefined;
  const statement = comparison.parent;
  return ts.isIfStatement(statement) && statement.expression === comparison && statement.elseStatement === undefined ? statement : undefined;
}

/**
 * The v2 callback's error argument reported a payload that did not deserialise; the
 * twin has no such case. `if (error) …` goes; `error !== undefined || x` keeps `x`.
 */
function errorCheckRemoval(
  reference: ts.Identifier,
): { kind: 'statement'; statement: ts.IfStatement } | { kind: 'operand'; start: number; end: number } | undefined {
  let check: ts.Node = reference;
  const parent = reference.parent;
  if (ts.isBinaryExpression(parent) && isUndefinedComparison(parent)) check = parent;
  else if (ts.isPrefixUnaryExpression(parent)) return undefined;
  const holder = check.parent;
  if (ts.isIfStatement(holder) && holder.expression === check && holder.elseStatement === undefined) return { kind: 'statement', statement: holder };
  if (ts.isBinaryExpression(holder) && holder.operatorToken.kind === ts.SyntaxKind.BarBarToken && holder.left === check) {
    return { kind: 'operand', start: check.getStart(), end: holder.right.getStart() };
  }
  return undefined;
}

function isUndefinedComparison(binary: ts.BinaryExpression): boolean {
  const operator = binary.operatorToken.kind;
  const isInequality = operator === ts.SyntaxKind.ExclamationEqualsEqualsToken || operator === ts.SyntaxKind.ExclamationEqualsToken;
  const other = ts.isIdentifier(binary.left) ? binary.right : binary.left;
  return isInequality && (other.getText() === 'undefined' || other.kind === ts.SyntaxKind.NullKeyword);
}

/** The `shadowName` of a named-shadow request, for the note. */
export function namedShadowOf(request: ts.Expression | undefined): string | undefined {
  const object = request === undefined ? undefined : objectLiteralOf(request);
  const name = object === undefined ? undefined : propertyInitializer(object, 'shadowName');
  if (name === undefined) return undefined;
  return ts.isStringLiteralLike(name) ? name.text : name.getText();
}
