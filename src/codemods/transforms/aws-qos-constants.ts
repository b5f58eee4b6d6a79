import { ts } from 'ts-morph';
import { qosConstantValue } from './support/qos.js';
import { FileEdits, type Transform } from './transform.js';

/**
 * `mqtt.QoS.AtLeastOnce` and its kin outside a mapped call (`const QOS = mqtt.QoS.AtLeastOnce`)
 * become their numbers: the Azure SDK takes no QoS (IoT Hub delivers at least once), and
 * the number keeps whatever code still reads the constant compiling without the AWS SDK.
 */
export const awsQosConstants: Transform = {
  id: 'aws-qos-constants',
  title: 'AWS QoS constants → numbers',
  appliesTo: (file) => file.sdkImports.some((sdkImport) => sdkImport.sdk === 'aws-iot-device-sdk-v2'),
  run(file) {
    const edits = new FileEdits(file, 'aws-qos-constants');
    const visit = (node: ts.Node): void => {
      if (file.isWithinClaimed(node)) return;
      if (ts.isPropertyAccessExpression(node)) {
        const entity = file.entities.entityOf(node);
        const path = entity?.sdk === 'aws-iot-device-sdk-v2' ? entity.path : [];
        const value = path.length === 3 && (path[0] === 'mqtt' || path[0] === 'mqtt5') && path[1] === 'QoS' ? qosConstantValue(path[2]!) : undefined;
        if (value !== undefined) {
          edits.replace(node, String(value));
          edits.rewritten(node, 'qos-constant', `${node.getText(file.sourceFile)} → ${value}: the Azure SDK takes no QoS; IoT Hub delivers device-to-cloud and cloud-to-device messages at least once.`);
          return;
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(file.sourceFile);
    return edits.result();
  },
};
