import type { FirmwareFileFinding } from '../../manifest/schema.js';
import type { ReservedTopicService } from './aws-reserved-topics.js';

export type FirmwareFlavour = FirmwareFileFinding['flavours'][number];

export interface DeviceSdkModule {
  /** The npm package name, as it appears in an import or require. */
  packageName: string;
  flavour: FirmwareFlavour;
  /** Exports that are a service client: `sdk.iotshadow`, `const { thingShadow } = require(...)`. */
  serviceExports: ReadonlyMap<string, ReservedTopicService>;
  /** Folders inside the package that hold a service client, for deep imports. */
  serviceFolders: ReadonlyMap<string, ReservedTopicService>;
}

const V2_SERVICES = new Map<string, ReservedTopicService>([
  ['iotshadow', 'shadow'],
  ['iotjobs', 'jobs'],
  ['iotidentity', 'provisioning'],
]);

const DEVICE_SDK_MODULES: readonly DeviceSdkModule[] = [
  {
    packageName: 'aws-iot-device-sdk-v2',
    flavour: 'aws-iot-device-sdk-v2',
    serviceExports: V2_SERVICES,
    serviceFolders: V2_SERVICES,
  },
  // The v2 SDK's MQTT and TLS layer. Firmware that imports it directly uses the same
  // connection API as the v2 SDK, and the v2 codemods rewrite both.
  { packageName: 'aws-crt', flavour: 'aws-iot-device-sdk-v2', serviceExports: new Map(), serviceFolders: new Map() },
  {
    packageName: 'aws-iot-device-sdk',
    flavour: 'aws-iot-device-sdk-v1',
    serviceExports: new Map([
      ['thingShadow', 'shadow'],
      ['jobs', 'jobs'],
    ]),
    // `require('aws-iot-device-sdk/thing')` is the thingShadow class.
    serviceFolders: new Map([
      ['thing', 'shadow'],
      ['jobs', 'jobs'],
    ]),
  },
  { packageName: 'mqtt', flavour: 'mqtt', serviceExports: new Map(), serviceFolders: new Map() },
];

/** The device SDK a module specifier names, counting deep imports (`mqtt/dist/mqtt`). */
export function deviceSdkModuleOf(specifier: string): DeviceSdkModule | undefined {
  return DEVICE_SDK_MODULES.find(
    (module) => specifier === module.packageName || specifier.startsWith(`${module.packageName}/`),
  );
}

/** The service a deep import reaches, e.g. `aws-iot-device-sdk-v2/dist/iotshadow/iotshadowclient`. */
export function serviceOfDeepImport(module: DeviceSdkModule, specifier: string): ReservedTopicService | undefined {
  const folders = specifier.slice(module.packageName.length + 1).split('/');
  for (const folder of folders) {
    const service = module.serviceFolders.get(folder);
    if (service !== undefined) return service;
  }
  return undefined;
}
