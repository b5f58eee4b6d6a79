import { ts } from 'ts-morph';
import { objectLiteralOf, propertyInitializer, propertyNameText } from '../analysis/object-literals.js';
import { declarationHolding } from './support/call-shapes.js';
import { ConnectionSettings, type SettingRole } from './support/connection-settings.js';
import { emitAzureConnection } from './support/emit-connection.js';
import { FileEdits, type AnalysedFile, type Transform } from './transform.js';

/** Options of awsIot.device() and awsIot.thingShadow() (aws-iot-device-sdk 2.x). */
const OPTION_ROLES: Record<string, SettingRole> = {
  clientId: 'device-id',
  host: 'host',
  keyPath: 'key-path',
  certPath: 'cert-path',
  privateKey: 'key',
  clientCert: 'cert',
  caPath: 'ca',
  caCert: 'ca',
  port: 'port',
  keepalive: 'keep-alive',
  clean: 'clean-session',
  baseReconnectTimeMs: 'reconnect-timing',
  maximumReconnectTimeMs: 'reconnect-timing',
  minimumConnectionTimeMs: 'reconnect-timing',
  reconnectPeriod: 'reconnect-timing',
  operationTimeout: 'reconnect-timing',
  postSubscribeTimeout: 'reconnect-timing',
  offlineQueueing: 'offline-queue',
  offlineQueueMaxSize: 'offline-queue',
  offlineQueueDropBehavior: 'offline-queue',
  drainTimeMs: 'offline-queue',
  autoResubscribe: 'resubscribe',
  will: 'will',
  username: 'custom-auth',
  password: 'custom-auth',
  customAuthHeaders: 'custom-auth',
  customAuthQueryString: 'custom-auth',
  accessKeyId: 'websockets',
  secretKey: 'websockets',
  sessionToken: 'websockets',
  websocketOptions: 'websockets',
  region: 'aws-only',
  debug: 'aws-only',
  enableMetrics: 'aws-only',
};

const FACTORIES = { device: 'AWS IoT device (v1 SDK)', thingShadow: 'AWS IoT thingShadow (v1 SDK)' } as const;

/**
 * v1 SDK: `awsIot.device({...})` and `awsIot.thingShadow({...})` (called or `new`-ed,
 * through any alias) become an X.509 Azure client that is opened right away, as the
 * v1 client connected on creation. Its shadow methods are mapped by aws-v1-shadow.
 */
export const awsV1Connect: Transform = {
  id: 'aws-v1-connect',
  title: 'v1 SDK device / thingShadow → Azure IoT Hub device client',
  appliesTo: (file) => file.sdkImports.some((sdkImport) => sdkImport.sdk === 'aws-iot-device-sdk-v1'),
  run(file) {
    const edits = new FileEdits(file, 'aws-v1-connect');
    const visit = (node: ts.Node): void => {
      if ((ts.isCallExpression(node) || ts.isNewExpression(node)) && !file.isClaimed(node)) {
        const entity = file.entities.entityOf(node.expression);
        const factory = entity?.sdk === 'aws-iot-device-sdk-v1' && entity.path.length === 1 ? entity.path[0]! : undefined;
        if (factory === 'device' || factory === 'thingShadow') rewriteFactory(node, FACTORIES[factory]);
      }
      ts.forEachChild(node, visit);
    };
    const rewriteFactory = (creation: ts.CallExpression | ts.NewExpression, what: string): void => {
      const [options] = creation.arguments ?? [];
      const object = options === undefined ? undefined : objectLiteralOf(options);
      if (object === undefined) {
        edits.todo(
          creation,
          'connection',
          `The ${what} options are assembled where the codemod cannot follow them. Build the Azure client from the same keyPath, certPath, clientId and host: Client.fromAuthenticationProvider(X509AuthenticationProvider.fromX509Options(clientId, iotHubHostName, { cert, key }), Mqtt), then open() it.`,
          { neutralise: true },
        );
        return;
      }
      const settings = new ConnectionSettings(file);
      for (const property of object.properties) {
        if (!ts.isPropertyAssignment(property) && !ts.isShorthandPropertyAssignment(property)) {
          settings.set('unknown', 'option', property, property.getText());
          continue;
        }
        const name = propertyNameText(property.name) ?? property.name.getText();
        const value = ts.isPropertyAssignment(property) ? property.initializer : property.name;
        if (name === 'protocol') {
          const protocol = ts.isStringLiteralLike(value) ? value.text : value.getText();
          if (protocol === 'wss') settings.set('websockets', 'protocol wss', property, value);
          else if (protocol === 'wss-custom-auth') settings.set('custom-auth', 'protocol wss-custom-auth', property, value);
          else if (protocol !== 'mqtts') settings.set('unknown', 'protocol', property, value);
          continue;
        }
        settings.set(OPTION_ROLES[name] ?? 'unknown', name, property, value);
      }
      emitAzureConnection(file, edits, creation, settings, 'connects-on-creation', what);
      if (what === FACTORIES.thingShadow) noteSeparateShadowIdentity(file, edits, creation, object);
    };
    visit(file.sourceFile);
    return edits.result();
  },
};

/**
 * A thingShadow that connects under another client ID than the thing it registers
 * (`thingName + '-shadow'`) was a second connection for the same device. On IoT Hub the
 * twin belongs to the identity that connects, and one identity holds one connection.
 */
function noteSeparateShadowIdentity(file: AnalysedFile, edits: FileEdits, creation: ts.Expression, options: ts.ObjectLiteralExpression): void {
  const clientId = propertyInitializer(options, 'clientId')?.getText(file.sourceFile);
  const holder = declarationHolding(creation);
  if (clientId === undefined || holder === undefined) return;
  const register = file.memberCalls().find(
    (call) => call.method === 'register' && ts.isIdentifier(call.receiver) && file.index.declarationOf(call.receiver) === holder,
  );
  const thing = register?.call.arguments[0]?.getText(file.sourceFile);
  if (thing === undefined || thing === clientId) return;
  edits.todo(
    creation,
    'connection',
    `This thingShadow connected as ${clientId}, a second connection beside the device's own, to work on the shadow of ${thing}. On IoT Hub the twin belongs to the device identity that connects, and an identity has one connection at a time: pass the device's Client in and use its twin (client.getTwin()) instead of this second client. As written it connects as device ${clientId}, which has no identity (or twin) of its own on IoT Hub.`,
  );
}
