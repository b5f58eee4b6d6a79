import { ts } from 'ts-morph';
import { describe, expect, it } from 'vitest';
import { AwsValueIndex } from './aws-value-index.js';
import { createFirmwareProgram } from './firmware-program.js';
import { SdkEntityResolver } from './sdk-entities.js';

/** The kind of every `x.method(...)` receiver, as `file:line receiver.method → kind`. */
function receiverKinds(files: Record<string, string>): string[] {
  const { checker, sourceFiles } = createFirmwareProgram(new Map(Object.entries(files)));
  const entities = new SdkEntityResolver(checker);
  for (const sourceFile of sourceFiles.values()) entities.addFile(sourceFile);
  const index = new AwsValueIndex(checker, entities);
  for (const sourceFile of sourceFiles.values()) index.addFile(sourceFile);
  index.solve();
  const found: string[] = [];
  for (const [path, sourceFile] of sourceFiles) {
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) {
        const kind = index.kindOf(node.expression.expression);
        if (kind !== undefined) found.push(`${path} ${node.expression.getText()} → ${kind}`);
      }
      ts.forEachChild(node, visit);
    };
    visit(sourceFile);
  }
  return found;
}

describe('AwsValueIndex', () => {
  it('follows a v1 device into another CommonJS file through require(...).name and a call argument', () => {
    expect(
      receiverKinds({
        'index.js': "var sdk = require('aws-iot-device-sdk');\nvar startJobs = require('./jobs').startJobs;\nvar device = sdk.device({});\nstartJobs(device);\n",
        'jobs.js': 'function startJobs(d) { d.subscribe("x"); }\nmodule.exports = { startJobs: startJobs };\n',
      }),
    ).toEqual(['jobs.js d.subscribe → v1-device']);
  });

  it('follows a v2 connection out of a factory in another file, and into parameters typed with an aliased import', () => {
    expect(
      receiverKinds({
        'connection.ts':
          "import { mqtt as m } from 'aws-iot-device-sdk-v2';\nexport function open(config: any) { return new m.MqttClient().new_connection(config); }\n",
        'main.ts': "import { open } from './connection.js';\nconst connection = open({});\nawait connection.connect();\n",
        'telemetry.ts': "import * as sdk from 'aws-iot-device-sdk-v2';\nexport function send(c: sdk.mqtt.MqttClientConnection) { void c.publish('t', 'p', 1); }\n",
      }),
    ).toEqual([
      'connection.ts new m.MqttClient().new_connection → v2-mqtt3-client-factory',
      'main.ts connection.connect → v2-mqtt3-connection',
      'telemetry.ts c.publish → v2-mqtt3-connection',
    ]);
  });

  it('leaves an mqtt.js connection to a local broker, and the same names used for something else, alone', () => {
    expect(
      receiverKinds({
        'local.ts': "import mqtt from 'mqtt';\nconst bus = mqtt.connect('mqtt://127.0.0.1:1883');\nbus.publish('a', 'b');\n",
        'events.ts': "import { EventEmitter } from 'node:events';\nconst device = new EventEmitter();\ndevice.on('message', () => {});\n",
      }),
    ).toEqual([]);
  });
});
