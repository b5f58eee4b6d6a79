import { ts } from 'ts-morph';
import { objectLiteralOf, propertyNameText } from '../analysis/object-literals.js';
import { builderChainOf, type BuilderCall } from './support/config-builder-chain.js';
import { ConnectionSettings, type SettingRole } from './support/connection-settings.js';
import { emitAzureConnection } from './support/emit-connection.js';
import { FileEdits, type Transform } from './transform.js';

/** Roles of the factory's arguments, in order. */
const FACTORY_ROLES: Record<string, readonly SettingRole[]> = {
  newDirectMqttBuilderWithMtlsFromPath: ['host', 'cert-path', 'key-path'],
  newDirectMqttBuilderWithMtlsFromMemory: ['host', 'cert', 'key'],
  newDirectMqttBuilderWithMtlsFromPkcs11: ['host', 'hardware-key'],
  newDirectMqttBuilderWithMtlsFromPkcs12: ['host', 'hardware-key'],
  newDirectMqttBuilderWithMtlsFromWindowsCertStorePath: ['host', 'hardware-key'],
  newDirectMqttBuilderWithCustomAuth: ['host', 'custom-auth'],
  newWebsocketMqttBuilderWithSigv4Auth: ['host', 'websockets'],
  newWebsocketMqttBuilderWithCustomAuth: ['host', 'custom-auth'],
};

const SETTER_ROLES: Record<string, SettingRole> = {
  withCertificateAuthorityFromPath: 'ca',
  withCertificateAuthority: 'ca',
  withPort: 'port',
  withSessionBehavior: 'clean-session',
  withRetryJitterMode: 'reconnect-timing',
  withMinReconnectDelayMs: 'reconnect-timing',
  withMaxReconnectDelayMs: 'reconnect-timing',
  withMinConnectedTimeToResetReconnectDelayMs: 'reconnect-timing',
  withConnackTimeoutMs: 'reconnect-timing',
  withPingTimeoutMs: 'reconnect-timing',
  withAckTimeoutSeconds: 'reconnect-timing',
  withOfflineQueueBehavior: 'offline-queue',
  withHttpProxyOptions: 'http-proxy',
  withSocketOptions: 'aws-only',
  withTlsCipherPreference: 'aws-only',
  withExtendedValidationAndFlowControlOptions: 'aws-only',
  withTopicAliasingOptions: 'aws-only',
};

/** Fields of withConnectProperties({ ... }). */
const CONNECT_PROPERTY_ROLES: Record<string, SettingRole> = {
  clientId: 'device-id',
  keepAliveIntervalSeconds: 'keep-alive',
  will: 'will',
  willDelayIntervalSeconds: 'will',
  username: 'custom-auth',
  password: 'custom-auth',
  sessionExpiryIntervalSeconds: 'session-expiry',
  requestResponseInformation: 'aws-only',
  requestProblemInformation: 'aws-only',
  receiveMaximum: 'aws-only',
  maximumPacketSizeBytes: 'aws-only',
  userProperties: 'aws-only',
};

/**
 * v2 SDK, MQTT 5: `AwsIotMqtt5ClientConfigBuilder.newDirectMqttBuilderWithMtls…` and
 * `new mqtt5.Mqtt5Client(config)` become `Client.fromAuthenticationProvider(…, Mqtt)`.
 * IoT Hub speaks MQTT 3.1.1, so MQTT 5 connect properties are reported, not carried.
 */
export const awsV2Mqtt5Connect: Transform = {
  id: 'aws-v2-mqtt5-connect',
  title: 'v2 SDK MQTT 5 client → Azure IoT Hub device client',
  appliesTo: (file) => file.sdkImports.some((sdkImport) => sdkImport.sdk === 'aws-iot-device-sdk-v2'),
  run(file) {
    const edits = new FileEdits(file, 'aws-v2-mqtt5-connect');
    const visit = (node: ts.Node): void => {
      if (ts.isNewExpression(node) && !file.isClaimed(node)) {
        const entity = file.entities.entityOf(node.expression);
        if (entity?.sdk === 'aws-iot-device-sdk-v2' && entity.path.join('.') === 'mqtt5.Mqtt5Client') rewriteClient(node);
      }
      ts.forEachChild(node, visit);
    };
    const rewriteClient = (creation: ts.NewExpression): void => {
      const [config] = creation.arguments ?? [];
      const chain = config === undefined ? undefined : builderChainOf(file, config);
      if (chain === undefined) {
        edits.todo(
          creation,
          'connection',
          'This MQTT 5 client takes a config built in a way the codemod cannot follow (another file, a plain Mqtt5ClientConfig object). Build the Azure client from the same certificate, key, client ID and host: Client.fromAuthenticationProvider(X509AuthenticationProvider.fromX509Options(clientId, iotHubHostName, { cert, key }), Mqtt).',
          { neutralise: true },
        );
        return;
      }
      const settings = new ConnectionSettings(file);
      applyBuilder(settings, chain.factory, chain.setters);
      edits.deleteStatements(chain.statementsToDelete);
      emitAzureConnection(file, edits, creation, settings, 'connects-on-call', 'MQTT 5 client (v2 SDK)', chain.resultVariable);
    };
    visit(file.sourceFile);
    return edits.result();
  },
};

function applyBuilder(settings: ConnectionSettings, factory: BuilderCall, setters: readonly BuilderCall[]): void {
  const roles = FACTORY_ROLES[factory.method] ?? ['unknown'];
  roles.forEach((role, index) => {
    const argument = factory.args[index] ?? factory.node;
    settings.set(role, factory.method, factory.node, role === 'unknown' ? factory.node.getText() : argument);
  });
  for (const setter of setters) {
    if (setter.method === 'withConnectProperties') {
      applyConnectProperties(settings, setter);
      continue;
    }
    const role = SETTER_ROLES[setter.method] ?? 'unknown';
    const value = role === 'ca' || setter.args.length !== 1 ? setter.args.map((arg) => arg.getText()).join(', ') : setter.args[0]!;
    settings.set(role, setter.method, setter.node, value);
  }
}

function applyConnectProperties(settings: ConnectionSettings, setter: BuilderCall): void {
  const [argument] = setter.args;
  const object = argument === undefined ? undefined : objectLiteralOf(argument);
  if (object === undefined) {
    settings.set('unknown', 'withConnectProperties', setter.node, setter.args.map((arg) => arg.getText()).join(', '));
    return;
  }
  for (const property of object.properties) {
    if (!ts.isPropertyAssignment(property) && !ts.isShorthandPropertyAssignment(property)) {
      settings.set('unknown', 'withConnectProperties', property, property.getText());
      continue;
    }
    const name = propertyNameText(property.name) ?? property.name.getText();
    const value = ts.isPropertyAssignment(property) ? property.initializer : property.name;
    settings.set(CONNECT_PROPERTY_ROLES[name] ?? 'unknown', `connect property ${name}`, property, value);
  }
}
