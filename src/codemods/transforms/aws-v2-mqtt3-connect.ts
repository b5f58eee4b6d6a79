import { ts } from 'ts-morph';
import { builderChainOf, type BuilderCall } from './support/config-builder-chain.js';
import { ConnectionSettings, type SettingRole } from './support/connection-settings.js';
import { emitAzureConnection } from './support/emit-connection.js';
import { FileEdits, type AnalysedFile, type Transform } from './transform.js';

const FACTORY_ROLES: Record<string, readonly SettingRole[]> = {
  new_mtls_builder_from_path: ['cert-path', 'key-path'],
  new_mtls_builder: ['cert', 'key'],
  new_mtls_pkcs11_builder: ['hardware-key'],
  new_mtls_pkcs12_builder: ['hardware-key'],
  new_mtls_windows_cert_store_path_builder: ['hardware-key'],
  new_with_websockets: ['websockets'],
  new_websocket_builder: ['websockets'],
  new_builder_for_websocket: ['websockets'],
  new_default_builder: [],
};

const SETTER_ROLES: Record<string, SettingRole> = {
  with_client_id: 'device-id',
  with_endpoint: 'host',
  with_port: 'port',
  with_certificate_authority_from_path: 'ca',
  with_certificate_authority: 'ca',
  with_clean_session: 'clean-session',
  with_keep_alive_seconds: 'keep-alive',
  with_will: 'will',
  with_credentials: 'websockets',
  with_custom_authorizer: 'custom-auth',
  with_username: 'custom-auth',
  with_password: 'custom-auth',
  with_http_proxy_options: 'http-proxy',
  with_reconnect_min_sec: 'reconnect-timing',
  with_reconnect_max_sec: 'reconnect-timing',
  with_timeout_ms: 'reconnect-timing',
  with_ping_timeout_ms: 'reconnect-timing',
  with_protocol_operation_timeout_ms: 'reconnect-timing',
  with_socket_options: 'aws-only',
  with_tls_cipher_preference: 'aws-only',
};

/**
 * v2 SDK, MQTT 3.1.1: `AwsIotMqttConnectionConfigBuilder.…build()` and
 * `new mqtt.MqttClient().new_connection(config)` become an X.509 authentication
 * provider and `Client.fromAuthenticationProvider(config, Mqtt)`. connect() and
 * disconnect() are mapped by connection-lifecycle.
 */
export const awsV2Mqtt3Connect: Transform = {
  id: 'aws-v2-mqtt3-connect',
  title: 'v2 SDK MQTT 3 connection → Azure IoT Hub device client',
  appliesTo: (file) => file.memberCalls().some((call) => call.receiverKind === 'v2-mqtt3-client-factory'),
  run(file) {
    const edits = new FileEdits(file, 'aws-v2-mqtt3-connect');
    for (const { call, receiver, receiverKind, method } of file.memberCalls()) {
      if (receiverKind !== 'v2-mqtt3-client-factory' || method !== 'new_connection' || file.isClaimed(call)) continue;
      const [config] = call.arguments;
      const chain = config === undefined ? undefined : builderChainOf(file, config);
      if (chain === undefined) {
        edits.todo(
          call,
          'connection',
          'This MQTT connection takes a config built in a way the codemod cannot follow (another file, a function, a plain object). Build the Azure client from the same certificate, key, client ID and endpoint: Client.fromAuthenticationProvider(X509AuthenticationProvider.fromX509Options(clientId, iotHubHostName, { cert, key }), Mqtt).',
          { neutralise: true },
        );
        continue;
      }
      const settings = new ConnectionSettings(file);
      applyBuilder(settings, chain.factory, chain.setters);
      edits.deleteStatements(chain.statementsToDelete);
      deleteUnsharedFactory(file, edits, receiver);
      emitAzureConnection(file, edits, call, settings, 'connects-on-call', 'MQTT 3.1.1 connection (v2 SDK)', chain.resultVariable);
    }
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
    const role = SETTER_ROLES[setter.method] ?? 'unknown';
    const value = role === 'ca' || setter.args.length !== 1 ? setter.args.map((arg) => arg.getText()).join(', ') : setter.args[0]!;
    settings.set(role, setter.method, setter.node, value);
  }
}

/** `const client = new mqtt.MqttClient()` is no longer needed once its only use is rewritten. */
function deleteUnsharedFactory(file: AnalysedFile, edits: FileEdits, receiver: ts.Expression): void {
  if (!ts.isIdentifier(receiver)) return;
  const declaration = file.index.declarationOf(receiver);
  if (declaration === undefined || !ts.isVariableDeclaration(declaration) || declaration.getSourceFile() !== file.sourceFile) return;
  const uses = file.memberCalls().filter((call) => ts.isIdentifier(call.receiver) && file.index.declarationOf(call.receiver) === declaration);
  let references = 0;
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node) && node !== declaration.name && node.text === receiver.text && file.index.declarationOf(node) === declaration) references += 1;
    ts.forEachChild(node, visit);
  };
  visit(file.sourceFile);
  if (references === uses.length && uses.every((use) => use.method === 'new_connection')) edits.deleteStatement(declaration.parent.parent);
}
