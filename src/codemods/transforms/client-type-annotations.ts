import { ts } from 'ts-morph';
import { isClientKind, kindOfTypeName } from '../analysis/aws-value-kinds.js';
import { FileEdits, type Transform } from './transform.js';

/**
 * Type names of AWS clients become their Azure counterparts: every MQTT client type
 * (`mqtt.MqttClientConnection`, `mqtt5.Mqtt5Client`, mqtt.js `MqttClient`) is the
 * Azure `Client`, and a shadow client is the `Twin` it turns into. Parameters typed
 * with them are how the connection reaches other files, so this keeps those files
 * compiling against azure-iot-device.
 */
export const clientTypeAnnotations: Transform = {
  id: 'client-type-annotations',
  title: 'AWS client types → Client / Twin',
  appliesTo: (file) => file.language === 'ts' && file.sdkImports.length > 0,
  run(file) {
    const edits = new FileEdits(file, 'client-type-annotations');
    const visit = (node: ts.Node): void => {
      if (ts.isTypeReferenceNode(node) && !file.isClaimed(node)) {
        const entity = file.entities.entityOf(node.typeName);
        const kind = entity === undefined ? undefined : kindOfTypeName(entity);
        const azureType = isClientKind(kind)
          ? file.imports.useType('azure-iot-device', 'Client')
          : kind === 'v2-shadow-client' || kind === 'v2-shadow-client-v2'
            ? file.imports.useType('azure-iot-device', 'Twin')
            : undefined;
        if (azureType !== undefined && node.typeArguments === undefined) {
          const awsType = node.typeName.getText(file.sourceFile);
          edits.replace(node, azureType);
          edits.rewritten(node, 'client-type', `${awsType} → ${azureType} (azure-iot-device).`);
          return;
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(file.sourceFile);
    return edits.result();
  },
};
