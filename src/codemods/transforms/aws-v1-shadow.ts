import { ts } from 'ts-morph';
import { objectLiteralOf, propertyInitializer } from '../analysis/object-literals.js';
import { quoted, statementEnd } from '../edits/source-style.js';
import { indentationAt } from '../edits/statement-edits.js';
import { inlineFunction, literalText, statementOfCall, useOfCall } from './support/call-shapes.js';
import { applyHandlerRewrite } from './support/handler-rewrite.js';
import { desiredListenerRewrite, replaceWithReportedUpdate, shadowUpdateOf } from './support/shadow-documents.js';
import { SHADOW_NOTES } from './support/shadow-notes.js';
import { FileEdits, type AnalysedFile, type AwsMemberCall, type Transform } from './transform.js';

/** thingShadow events with no twin counterpart. */
const UNMAPPED_EVENTS: Record<string, string> = {
  status:
    "thingShadow 'status' events (accepted/rejected per update or get) have no twin counterpart: the outcome of each reported-properties update comes to its callback. This listener no longer fires.",
  timeout:
    "thingShadow 'timeout' events have no twin counterpart: a twin operation that times out fails with an error in its callback (under the client's retry policy). This listener no longer fires.",
  foreignStateChange:
    "Another thing's shadow: an IoT Hub device reads only its own twin. Read the other device's twin from the cloud side (service SDK registry.getTwin) and send what this device needs as desired properties. This listener no longer fires.",
};

/**
 * v1 SDK `thingShadow`: register() becomes getTwin(), update() of reported state a
 * reported-properties update, and the 'delta' event a 'properties.desired' listener
 * on the twin. The thingShadow's own connection is rewritten by aws-v1-connect.
 */
export const awsV1Shadow: Transform = {
  id: 'aws-v1-shadow',
  title: 'v1 SDK thingShadow → device twin',
  appliesTo: (file) => file.memberCalls().some((call) => call.receiverKind === 'v1-thing-shadow'),
  run(file) {
    const edits = new FileEdits(file, 'aws-v1-shadow');
    const calls = file.memberCalls().filter((call) => call.receiverKind === 'v1-thing-shadow');
    const registeredName = calls.find((call) => call.method === 'register')?.call.arguments[0]?.getText(file.sourceFile);
    for (const memberCall of calls) {
      if (file.isClaimed(memberCall.call)) continue;
      rewriteThingShadowCall(file, edits, memberCall, registeredName);
    }
    return edits.result();
  },
};

function rewriteThingShadowCall(file: AnalysedFile, edits: FileEdits, memberCall: AwsMemberCall, registeredName: string | undefined): void {
  const { call, receiver, method } = memberCall;
  const client = receiver.getText(file.sourceFile);
  switch (method) {
    case 'register': {
      const [, options, callback] = call.arguments;
      const done = callback ?? (options !== undefined && inlineFunction(options) !== undefined ? options : undefined);
      const notes = registerOptionNotes(options === done ? undefined : options);
      if (done === undefined) {
        const statement = statementOfCall(call);
        if (statement === undefined) break;
        edits.deleteStatement(statement);
        edits.rewritten(call, 'shadow', `register() is gone: the twin needs no registration.${notes}`);
        return;
      }
      edits.replaceRange(call.expression.end - method.length, done.getStart(file.sourceFile), 'getTwin(');
      edits.rewritten(call, 'shadow', `register(…, callback) → getTwin(callback): the callback runs once the twin has been read.${notes}`);
      return;
    }
    case 'unregister': {
      const statement = statementOfCall(call);
      if (statement === undefined) break;
      edits.deleteStatement(statement);
      edits.rewritten(call, 'shadow', 'unregister() is gone: the twin stops with the client.');
      return;
    }
    case 'update': {
      const update = shadowUpdateOf(call.arguments[1]);
      if (update?.reported === undefined || update.desired !== undefined) {
        edits.todo(call, 'shadow', update?.desired !== undefined ? SHADOW_NOTES.desiredWrite : SHADOW_NOTES.unreadableUpdate, { neutralise: true });
        return;
      }
      replaceWithReportedUpdate(file, edits, call, update.reported, 'via-client', client);
      if (useOfCall(call) === 'value') {
        edits.todo(
          call,
          'shadow',
          'update() returned a client token, or null while another update was in flight; getTwin() returns nothing, so this check no longer means anything. The twin takes every update: remove the check and the code that relied on the token.',
        );
      }
      edits.rewritten(
        call,
        'shadow',
        `${SHADOW_NOTES.reported} The client reads the twin first (getTwin), which also re-fires 'properties.desired' listeners with the whole desired state; keep the twin in a variable if reports are frequent. Failures, reported before through 'status' and 'timeout' events, come to the update callback and are ignored, as the fire-and-forget update was.`,
      );
      return;
    }
    case 'get':
      edits.todo(call, 'shadow', SHADOW_NOTES.get, { neutralise: true });
      return;
    case 'delete':
      edits.todo(call, 'shadow', SHADOW_NOTES.delete, { neutralise: true });
      return;
    case 'on':
    case 'once':
    case 'addListener': {
      const event = literalText(call.arguments[0]);
      if (event === 'delta') {
        rewriteDeltaListener(file, edits, memberCall, registeredName);
        return;
      }
      const note = event === undefined ? undefined : UNMAPPED_EVENTS[event];
      if (note !== undefined) edits.todo(call, 'shadow', note);
      return;
    }
    default:
      return;
  }
  edits.todo(call, 'shadow', SHADOW_NOTES.unknownMethod(`thingShadow.${method}`), { neutralise: true });
}

/**
 * `shadows.on('delta', (name, stateObject) => …)` → the listener moves onto the twin,
 * which the client hands out through getTwin().
 */
function rewriteDeltaListener(file: AnalysedFile, edits: FileEdits, memberCall: AwsMemberCall, registeredName: string | undefined): void {
  const { call, receiver } = memberCall;
  const handler = inlineFunction(call.arguments[1]);
  const statement = statementOfCall(call);
  if (handler === undefined || statement === undefined) {
    edits.todo(call, 'shadow', SHADOW_NOTES.listenerByName(call.arguments[1]?.getText(file.sourceFile) ?? 'the listener'), { neutralise: true });
    return;
  }
  const client = receiver.getText(file.sourceFile);
  const style = file.style;
  const unit = style.indentUnit;
  const indent = indentationAt(file.text, statement.getStart(file.sourceFile));
  const end = statementEnd(style);
  const error = style.errorName;
  const twin = file.names.pick(handler, 'twin', 'deviceTwin');
  const head = style.arrowFunctions ? `(${error}, ${twin}) => {` : `function (${error}, ${twin}) {`;
  const opening = [
    `${client}.getTwin(${head}`,
    `${indent}${unit}if (${error}) {`,
    `${indent}${unit}${unit}${client}.emit(${quoted(style, 'error')}, ${error})${end}`,
    `${indent}${unit}${unit}return${end}`,
    `${indent}${unit}}`,
    `${indent}${unit}${twin}.on(${quoted(style, 'properties.desired')}, `,
  ].join('\n');
  edits.replaceRange(call.getStart(file.sourceFile), handler.getStart(file.sourceFile), opening);
  edits.insert(statement.end, `\n${indent}})${end}`);
  edits.indent(handler);
  const { rewrite, unmapped } = desiredListenerRewrite(file, handler, 'v1-delta', registeredName);
  applyHandlerRewrite(file, edits, handler, rewrite);
  if (unmapped.length > 0) edits.todo(call, 'shadow', SHADOW_NOTES.unmappedEventFields(unmapped));
  edits.rewritten(
    call,
    'shadow',
    `${SHADOW_NOTES.delta} The listener is registered on the twin once getTwin() hands it out; a failure to read the twin goes to the client's 'error' event.`,
  );
}

function registerOptionNotes(options: ts.Expression | undefined): string {
  const object = options === undefined ? undefined : objectLiteralOf(options);
  if (object === undefined) return '';
  const notes: string[] = [];
  if (propertyInitializer(object, 'ignoreDeltas')?.kind === ts.SyntaxKind.TrueKeyword) {
    notes.push('ignoreDeltas: simply register no desired-properties listener.');
  }
  for (const name of ['persistentSubscribe', 'discardStale', 'enableVersioning']) {
    if (propertyInitializer(object, name) !== undefined) notes.push(`${name} has no twin counterpart and is dropped.`);
  }
  return notes.length > 0 ? ` ${notes.join(' ')}` : '';
}
