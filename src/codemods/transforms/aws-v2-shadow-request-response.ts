import { ts } from 'ts-morph';
import { quoted } from '../edits/source-style.js';
import { declarationHolding, inlineFunction, isInAsyncFunction, literalText, statementOfCall, useOfCall } from './support/call-shapes.js';
import { applyHandlerRewrite } from './support/handler-rewrite.js';
import {
  desiredListenerRewrite,
  namedShadowOf,
  replaceWithReportedUpdate,
  shadowUpdateOf,
} from './support/shadow-documents.js';
import { SHADOW_NOTES } from './support/shadow-notes.js';
import { FileEdits, type AnalysedFile, type AwsMemberCall, type Transform } from './transform.js';

/**
 * v2 SDK `iotshadow.IotShadowClientv2` (request/response operations and streams, MQTT 5
 * or 3): the client becomes the device twin, getShadow() becomes twin.get(),
 * updateShadow() of reported state becomes a reported-properties update, and a delta
 * stream becomes a 'properties.desired' listener on the twin.
 */
export const awsV2ShadowRequestResponse: Transform = {
  id: 'aws-v2-shadow-request-response',
  title: 'v2 SDK IotShadowClientv2 → device twin',
  appliesTo: (file) => file.sdkImports.some((sdkImport) => sdkImport.sdk === 'aws-iot-device-sdk-v2') || file.memberCalls().some((call) => call.receiverKind.startsWith('v2-shadow')),
  run(file) {
    const edits = new FileEdits(file, 'aws-v2-shadow-request-response');
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node) && !file.isClaimed(node)) {
        const entity = file.entities.entityOf(node.expression);
        const path = entity?.sdk === 'aws-iot-device-sdk-v2' ? entity.path.join('.') : '';
        if (path === 'iotshadow.IotShadowClientv2.newFromMqtt5' || path === 'iotshadow.IotShadowClientv2.newFromMqtt311') rewriteConstruction(file, edits, node);
      }
      ts.forEachChild(node, visit);
    };
    visit(file.sourceFile);
    for (const memberCall of file.memberCalls()) {
      if (file.isClaimed(memberCall.call)) continue;
      if (memberCall.receiverKind === 'v2-shadow-client-v2') rewriteOperation(file, edits, memberCall);
      else if (memberCall.receiverKind === 'v2-shadow-delta-stream') rewriteStreamCall(file, edits, memberCall);
      else if (memberCall.receiverKind === 'v2-shadow-updated-stream') edits.todo(memberCall.call, 'shadow', SHADOW_NOTES.documents, { neutralise: true });
    }
    return edits.result();
  },
};

function rewriteConstruction(file: AnalysedFile, edits: FileEdits, creation: ts.CallExpression): void {
  const client = creation.arguments[0];
  if (client === undefined || !isInAsyncFunction(creation)) {
    edits.todo(creation, 'shadow', SHADOW_NOTES.twinOutsideAsync, { neutralise: true });
    return;
  }
  edits.replace(creation, `await ${client.getText(file.sourceFile)}.getTwin()`);
  edits.rewritten(
    creation,
    'shadow',
    'IotShadowClientv2 → the device twin (await getTwin() on the same client); the variable now holds the Twin. Its request/response options (subscription limits, operation timeout) have no counterpart: the twin uses the client\'s retry policy.',
  );
}

function rewriteOperation(file: AnalysedFile, edits: FileEdits, memberCall: AwsMemberCall): void {
  const { call, receiver, method } = memberCall;
  const twin = receiver.getText(file.sourceFile);
  if (/Named/.test(method)) {
    edits.todo(call, 'shadow', SHADOW_NOTES.named(namedShadowOf(call.arguments[0])), { neutralise: true });
    return;
  }
  switch (method) {
    case 'getShadow':
      rewriteGet(file, edits, call, twin);
      return;
    case 'updateShadow': {
      const update = shadowUpdateOf(call.arguments[0]);
      if (update?.reported === undefined || update.desired !== undefined) {
        edits.todo(call, 'shadow', update?.desired !== undefined ? SHADOW_NOTES.desiredWrite : SHADOW_NOTES.unreadableUpdate, { neutralise: true });
        return;
      }
      if (declarationHolding(call) !== undefined) {
        edits.todo(call, 'shadow', 'The UpdateShadowResponse is used here; a twin update resolves with nothing. Report with twin.properties.reported.update(patch, callback) and drop the use of the response.', {
          neutralise: true,
        });
        return;
      }
      const use = useOfCall(call);
      replaceWithReportedUpdate(file, edits, call, update.reported, use === 'statement' || use === 'voided-statement' ? 'fire-and-forget' : 'awaitable', twin);
      edits.rewritten(call, 'shadow', `${SHADOW_NOTES.reported}${update.extras.length > 0 ? ` ${SHADOW_NOTES.extras(update.extras)}` : ''}`);
      return;
    }
    case 'deleteShadow':
      edits.todo(call, 'shadow', SHADOW_NOTES.delete, { neutralise: true });
      return;
    case 'createShadowDeltaUpdatedStream': {
      const statement = declarationHolding(call)?.parent.parent;
      if (statement === undefined || !ts.isVariableStatement(statement)) {
        edits.todo(call, 'shadow', SHADOW_NOTES.listenerByName('this delta stream'), { neutralise: true });
        return;
      }
      edits.deleteStatement(statement);
      edits.rewritten(call, 'shadow', "The delta stream is not needed: the twin emits 'properties.desired' itself.");
      return;
    }
    case 'createShadowUpdatedStream':
      edits.todo(call, 'shadow', SHADOW_NOTES.documents, { neutralise: true });
      return;
    case 'close': {
      const statement = statementOfCall(call);
      if (statement !== undefined) {
        edits.deleteStatement(statement);
        edits.rewritten(call, 'shadow', 'The shadow client close() is gone: the twin closes with the client.');
        return;
      }
      break;
    }
  }
  edits.todo(call, 'shadow', SHADOW_NOTES.unknownMethod(`IotShadowClientv2.${method}`), { neutralise: true });
}

/** `const current = await shadow.getShadow(…)`: the response's state becomes the twin's properties. */
function rewriteGet(file: AnalysedFile, edits: FileEdits, call: ts.CallExpression, twin: string): void {
  edits.replace(call, `${twin}.get()`);
  const holder = declarationHolding(call);
  const unmapped = new Set<string>();
  if (holder !== undefined && ts.isIdentifier(holder.name)) {
    const visit = (node: ts.Node): void => {
      if (ts.isIdentifier(node) && node !== holder.name && node.text === (holder.name as ts.Identifier).text && file.index.declarationOf(node) === holder) {
        const state = node.parent;
        const part = ts.isPropertyAccessExpression(state) && state.name.text === 'state' ? state.parent : undefined;
        if (part !== undefined && ts.isPropertyAccessExpression(part) && (part.name.text === 'desired' || part.name.text === 'reported')) {
          edits.replace(part, `${node.text}.properties.${part.name.text}`);
        } else if (ts.isPropertyAccessExpression(state) && state.name.text === 'version') {
          edits.replace(state, `${node.text}.properties.desired.$version`);
        } else {
          unmapped.add((part ?? state).getText(file.sourceFile));
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(call.getSourceFile());
  }
  if (unmapped.size > 0) {
    edits.todo(call, 'shadow', `${[...unmapped].join(', ')}: the twin has properties.desired and properties.reported (no delta, metadata or timestamp); rework the code that reads it.`);
  }
  edits.rewritten(call, 'shadow', 'getShadow() → twin.get(): the shadow state is now twin.properties.desired and twin.properties.reported.');
}

function rewriteStreamCall(file: AnalysedFile, edits: FileEdits, memberCall: AwsMemberCall): void {
  const { call, receiver, method } = memberCall;
  const twin = twinOfStream(file, receiver);
  if (twin === undefined) {
    edits.todo(call, 'shadow', SHADOW_NOTES.listenerByName(receiver.getText(file.sourceFile)), { neutralise: true });
    return;
  }
  const event = literalText(call.arguments[0]);
  if (method === 'close') {
    edits.replace(call, `${twin}.removeAllListeners(${quoted(file.style, 'properties.desired')})`);
    edits.rewritten(call, 'shadow', "Closing the delta stream → removing the twin's 'properties.desired' listeners.");
    return;
  }
  const statement = statementOfCall(call);
  if (statement === undefined) {
    edits.todo(call, 'shadow', SHADOW_NOTES.listenerByName(receiver.getText(file.sourceFile)), { neutralise: true });
    return;
  }
  if (method === 'open') {
    edits.deleteStatement(statement);
    edits.rewritten(call, 'shadow', "The delta stream's open() is gone: desired-property updates start when the listener is registered.");
    return;
  }
  if (method === 'on' && event === 'incomingPublish') {
    const handler = inlineFunction(call.arguments[1]);
    if (handler === undefined) {
      edits.todo(call, 'shadow', SHADOW_NOTES.listenerByName(call.arguments[1]?.getText(file.sourceFile) ?? 'the listener'), { neutralise: true });
      return;
    }
    edits.replaceRange(call.getStart(file.sourceFile), handler.getStart(file.sourceFile), `${twin}.on(${quoted(file.style, 'properties.desired')}, `);
    const { rewrite, unmapped } = desiredListenerRewrite(file, handler, 'v2-stream', undefined);
    applyHandlerRewrite(file, edits, handler, rewrite);
    if (unmapped.length > 0) edits.todo(handler, 'shadow', SHADOW_NOTES.unmappedEventFields(unmapped));
    edits.rewritten(call, 'shadow', SHADOW_NOTES.delta);
    return;
  }
  if (method === 'on' && event === 'incomingPublishError') {
    edits.todo(call, 'shadow', "Delta payloads that did not parse: the twin has no such event; its failures come as the twin's 'error' event.", { neutralise: true });
    return;
  }
  if (method === 'on' && event === 'subscriptionStatus') {
    edits.todo(call, 'shadow', "Delta subscription status: the twin reports a failure to enable desired-property updates as its 'error' event (twin.on('error', …)).", {
      neutralise: true,
    });
    return;
  }
  edits.todo(call, 'shadow', SHADOW_NOTES.unknownMethod(`the delta stream's ${method}`), { neutralise: true });
}

/** The twin a stream variable came from: `const deltas = shadow.createShadowDeltaUpdatedStream(…)` gives `shadow`. */
function twinOfStream(file: AnalysedFile, stream: ts.Expression): string | undefined {
  if (!ts.isIdentifier(stream)) return undefined;
  const declaration = file.index.declarationOf(stream);
  if (declaration === undefined || !ts.isVariableDeclaration(declaration) || declaration.initializer === undefined) return undefined;
  const initializer = declaration.initializer;
  if (!ts.isCallExpression(initializer) || !ts.isPropertyAccessExpression(initializer.expression)) return undefined;
  return initializer.expression.expression.getText(file.sourceFile);
}
