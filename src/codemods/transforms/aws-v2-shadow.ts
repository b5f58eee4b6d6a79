import { ts } from 'ts-morph';
import { quoted } from '../edits/source-style.js';
import { inlineFunction, isInAsyncFunction, statementOfCall, useOfCall } from './support/call-shapes.js';
import { applyHandlerRewrite } from './support/handler-rewrite.js';
import { desiredListenerRewrite, namedShadowOf, replaceWithReportedUpdate, shadowUpdateOf } from './support/shadow-documents.js';
import { SHADOW_NOTES } from './support/shadow-notes.js';
import { FileEdits, type AnalysedFile, type AwsMemberCall, type Transform } from './transform.js';

/** IotShadowClient methods with no twin counterpart, and what to do instead. */
const UNMAPPED: Record<string, string> = {
  publishGetShadow: SHADOW_NOTES.get,
  subscribeToGetShadowAccepted: SHADOW_NOTES.get,
  subscribeToGetShadowRejected: SHADOW_NOTES.get,
  subscribeToUpdateShadowAccepted: SHADOW_NOTES.updateResult,
  subscribeToUpdateShadowRejected: SHADOW_NOTES.updateResult,
  subscribeToShadowUpdatedEvents: SHADOW_NOTES.documents,
  publishDeleteShadow: SHADOW_NOTES.delete,
  subscribeToDeleteShadowAccepted: SHADOW_NOTES.delete,
  subscribeToDeleteShadowRejected: SHADOW_NOTES.delete,
};

/**
 * v2 SDK `iotshadow.IotShadowClient` (the MQTT 3 publish/subscribe shadow client):
 * the client becomes the device twin (`await connection.getTwin()`, same variable),
 * reported updates become `twin.properties.reported.update(…)` and delta events
 * `twin.on('properties.desired', …)`. Named shadows, deletes and device-side writes
 * of desired state are left as TODOs with what to do.
 */
export const awsV2Shadow: Transform = {
  id: 'aws-v2-shadow',
  title: 'v2 SDK IotShadowClient → device twin',
  appliesTo: (file) => file.sdkImports.some((sdkImport) => sdkImport.sdk === 'aws-iot-device-sdk-v2') || file.memberCalls().some((call) => call.receiverKind === 'v2-shadow-client'),
  run(file) {
    const edits = new FileEdits(file, 'aws-v2-shadow');
    const visit = (node: ts.Node): void => {
      if (ts.isNewExpression(node) && !file.isClaimed(node)) {
        const entity = file.entities.entityOf(node.expression);
        if (entity?.sdk === 'aws-iot-device-sdk-v2' && entity.path.join('.') === 'iotshadow.IotShadowClient') rewriteConstruction(file, edits, node);
      }
      ts.forEachChild(node, visit);
    };
    visit(file.sourceFile);
    for (const memberCall of file.memberCalls()) {
      if (memberCall.receiverKind !== 'v2-shadow-client' || file.isClaimed(memberCall.call)) continue;
      rewriteShadowCall(file, edits, memberCall);
    }
    return edits.result();
  },
};

function rewriteConstruction(file: AnalysedFile, edits: FileEdits, creation: ts.NewExpression): void {
  const connection = creation.arguments?.[0];
  if (connection === undefined || !isInAsyncFunction(creation)) {
    edits.todo(creation, 'shadow', SHADOW_NOTES.twinOutsideAsync, { neutralise: true });
    return;
  }
  edits.replace(creation, `await ${connection.getText(file.sourceFile)}.getTwin()`);
  edits.rewritten(creation, 'shadow', 'IotShadowClient → the device twin (await getTwin() on the same client); the variable now holds the Twin.');
}

function rewriteShadowCall(file: AnalysedFile, edits: FileEdits, memberCall: AwsMemberCall): void {
  const { call, receiver, method } = memberCall;
  const twin = receiver.getText(file.sourceFile);
  if (/Named/.test(method)) {
    const name = namedShadowOf(call.arguments[0]);
    edits.todo(call, 'shadow', SHADOW_NOTES.named(name), { neutralise: true });
    return;
  }
  if (method === 'publishUpdateShadow') {
    const update = shadowUpdateOf(call.arguments[0]);
    if (update === undefined || update.reported === undefined) {
      edits.todo(call, 'shadow', update?.desired !== undefined ? SHADOW_NOTES.desiredWrite : SHADOW_NOTES.unreadableUpdate, { neutralise: true });
      return;
    }
    if (update.desired !== undefined) {
      edits.todo(call, 'shadow', SHADOW_NOTES.desiredWrite, { neutralise: true });
      return;
    }
    const use = useOfCall(call);
    replaceWithReportedUpdate(file, edits, call, update.reported, use === 'statement' || use === 'voided-statement' ? 'fire-and-forget' : 'awaitable', twin);
    edits.rewritten(call, 'shadow', `${SHADOW_NOTES.reported}${update.extras.length > 0 ? ` ${SHADOW_NOTES.extras(update.extras)}` : ''}`);
    return;
  }
  if (method === 'subscribeToShadowDeltaUpdatedEvents') {
    const handler = inlineFunction(call.arguments[2]);
    const statement = statementOfCall(call);
    if (handler === undefined || statement === undefined) {
      edits.todo(call, 'shadow', SHADOW_NOTES.listenerByName(call.arguments[2]?.getText(file.sourceFile) ?? 'the handler'), { neutralise: true });
      return;
    }
    const head = useOfCall(call) === 'statement' ? call : call.parent;
    edits.replaceRange(head.getStart(file.sourceFile), handler.getStart(file.sourceFile), `${twin}.on(${quoted(file.style, 'properties.desired')}, `);
    edits.replaceRange(handler.end, call.end, ')');
    const { rewrite, unmapped } = desiredListenerRewrite(file, handler, 'v2-callback', undefined);
    applyHandlerRewrite(file, edits, handler, rewrite);
    if (unmapped.length > 0) edits.todo(handler, 'shadow', SHADOW_NOTES.unmappedEventFields(unmapped));
    edits.rewritten(call, 'shadow', SHADOW_NOTES.delta);
    return;
  }
  const note = UNMAPPED[method] ?? SHADOW_NOTES.unknownMethod(`IotShadowClient.${method}`);
  edits.todo(call, 'shadow', note, { neutralise: true });
}
