import type { SdkEntity } from './sdk-entities.js';

/** An MQTT client that talks to AWS IoT Core, by the SDK that made it. */
export type ClientKind = 'v1-device' | 'v1-thing-shadow' | 'v2-mqtt3-connection' | 'v2-mqtt5-client' | 'mqttjs-client';

/**
 * What an AWS-flavoured runtime value is. The codemods ask this of receivers
 * (`x.publish(...)` on a v2 MQTT 3 connection) and the data-flow index answers it
 * across variables, parameters, returns and files.
 */
export type AwsValueKind =
  | ClientKind
  /** `new mqtt.MqttClient()`: a factory whose new_connection() makes the connection. */
  | 'v2-mqtt3-client-factory'
  | 'v2-mqtt3-config-builder'
  | 'v2-mqtt5-config-builder'
  | 'v2-mqtt3-config'
  | 'v2-mqtt5-config'
  /** iotshadow.IotShadowClient: publish/subscribe per shadow topic. */
  | 'v2-shadow-client'
  /** iotshadow.IotShadowClientv2: request/response operations and streams. */
  | 'v2-shadow-client-v2'
  | 'v2-shadow-delta-stream'
  | 'v2-shadow-updated-stream'
  | 'v1-jobs-client'
  | 'v2-jobs-client'
  | 'v2-identity-client'
  | 'v2-greengrass-client';

const CLIENT_KINDS: ReadonlySet<AwsValueKind> = new Set<AwsValueKind>([
  'v1-device',
  'v1-thing-shadow',
  'v2-mqtt3-connection',
  'v2-mqtt5-client',
  'mqttjs-client',
]);

export function isClientKind(kind: AwsValueKind | undefined): kind is ClientKind {
  return kind !== undefined && CLIENT_KINDS.has(kind);
}

/** Values made by calling (or `new`-ing) an SDK export. A trailing `*` matches any static factory. */
const MADE_BY: ReadonlyArray<{ sdk: SdkEntity['sdk']; path: string; kind: AwsValueKind }> = [
  { sdk: 'aws-iot-device-sdk-v1', path: 'device', kind: 'v1-device' },
  { sdk: 'aws-iot-device-sdk-v1', path: 'thingShadow', kind: 'v1-thing-shadow' },
  { sdk: 'aws-iot-device-sdk-v1', path: 'jobs', kind: 'v1-jobs-client' },
  { sdk: 'aws-iot-device-sdk-v2', path: 'mqtt.MqttClient', kind: 'v2-mqtt3-client-factory' },
  { sdk: 'aws-iot-device-sdk-v2', path: 'mqtt5.Mqtt5Client', kind: 'v2-mqtt5-client' },
  { sdk: 'aws-iot-device-sdk-v2', path: 'iot.AwsIotMqttConnectionConfigBuilder.*', kind: 'v2-mqtt3-config-builder' },
  { sdk: 'aws-iot-device-sdk-v2', path: 'iot.AwsIotMqtt5ClientConfigBuilder.*', kind: 'v2-mqtt5-config-builder' },
  { sdk: 'aws-iot-device-sdk-v2', path: 'iotshadow.IotShadowClient', kind: 'v2-shadow-client' },
  { sdk: 'aws-iot-device-sdk-v2', path: 'iotshadow.IotShadowClientv2.*', kind: 'v2-shadow-client-v2' },
  { sdk: 'aws-iot-device-sdk-v2', path: 'iotjobs.IotJobsClient', kind: 'v2-jobs-client' },
  { sdk: 'aws-iot-device-sdk-v2', path: 'iotjobs.IotJobsClientv2.*', kind: 'v2-jobs-client' },
  { sdk: 'aws-iot-device-sdk-v2', path: 'iotidentity.IotIdentityClient', kind: 'v2-identity-client' },
  { sdk: 'aws-iot-device-sdk-v2', path: 'iotidentity.IotIdentityClientv2.*', kind: 'v2-identity-client' },
  { sdk: 'aws-iot-device-sdk-v2', path: 'greengrass.DiscoveryClient', kind: 'v2-greengrass-client' },
  { sdk: 'aws-iot-device-sdk-v2', path: 'greengrasscoreipc.createClient', kind: 'v2-greengrass-client' },
  { sdk: 'mqtt', path: 'connect', kind: 'mqttjs-client' },
  { sdk: 'mqtt', path: 'connectAsync', kind: 'mqttjs-client' },
  { sdk: 'mqtt', path: 'default.connect', kind: 'mqttjs-client' },
];

/** Type names that declare a value of a kind: `connection: mqtt.MqttClientConnection`. */
const TYPED_AS: ReadonlyArray<{ sdk: SdkEntity['sdk']; path: string; kind: AwsValueKind }> = [
  { sdk: 'aws-iot-device-sdk-v2', path: 'mqtt.MqttClientConnection', kind: 'v2-mqtt3-connection' },
  { sdk: 'aws-iot-device-sdk-v2', path: 'mqtt5.Mqtt5Client', kind: 'v2-mqtt5-client' },
  { sdk: 'aws-iot-device-sdk-v2', path: 'iotshadow.IotShadowClient', kind: 'v2-shadow-client' },
  { sdk: 'aws-iot-device-sdk-v2', path: 'iotshadow.IotShadowClientv2', kind: 'v2-shadow-client-v2' },
  { sdk: 'aws-iot-device-sdk-v2', path: 'iotjobs.IotJobsClient', kind: 'v2-jobs-client' },
  { sdk: 'aws-iot-device-sdk-v2', path: 'iotjobs.IotJobsClientv2', kind: 'v2-jobs-client' },
  { sdk: 'aws-iot-device-sdk-v2', path: 'iotidentity.IotIdentityClient', kind: 'v2-identity-client' },
  { sdk: 'aws-iot-device-sdk-v2', path: 'iotidentity.IotIdentityClientv2', kind: 'v2-identity-client' },
  { sdk: 'mqtt', path: 'MqttClient', kind: 'mqttjs-client' },
];

export function kindMadeBy(entity: SdkEntity): AwsValueKind | undefined {
  return lookup(MADE_BY, entity);
}

export function kindOfTypeName(entity: SdkEntity): AwsValueKind | undefined {
  return lookup(TYPED_AS, entity);
}

/** What a method of a kind returns, when that is itself an AWS value. */
export function kindReturnedBy(receiver: AwsValueKind, method: string): AwsValueKind | undefined {
  switch (receiver) {
    case 'v2-mqtt3-client-factory':
      return method === 'new_connection' ? 'v2-mqtt3-connection' : undefined;
    case 'v2-mqtt3-config-builder':
      return method === 'build' ? 'v2-mqtt3-config' : 'v2-mqtt3-config-builder';
    case 'v2-mqtt5-config-builder':
      return method === 'build' ? 'v2-mqtt5-config' : 'v2-mqtt5-config-builder';
    case 'v2-shadow-client-v2':
      if (method === 'createShadowDeltaUpdatedStream' || method === 'createNamedShadowDeltaUpdatedStream') {
        return 'v2-shadow-delta-stream';
      }
      if (method === 'createShadowUpdatedStream' || method === 'createNamedShadowUpdatedStream') return 'v2-shadow-updated-stream';
      return undefined;
    default:
      return undefined;
  }
}

function lookup(
  table: ReadonlyArray<{ sdk: SdkEntity['sdk']; path: string; kind: AwsValueKind }>,
  entity: SdkEntity,
): AwsValueKind | undefined {
  const path = entity.path.join('.');
  for (const row of table) {
    if (row.sdk !== entity.sdk) continue;
    if (row.path === path) return row.kind;
    if (row.path.endsWith('.*') && entity.path.length === row.path.split('.').length) {
      if (path.startsWith(row.path.slice(0, -1))) return row.kind;
    }
  }
  return undefined;
}
