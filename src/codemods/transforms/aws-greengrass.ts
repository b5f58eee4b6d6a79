import { rewriteUnmappedService, type UnmappedService } from './support/unmapped-service.js';
import type { Transform } from './transform.js';

const GREENGRASS: UnmappedService = {
  id: 'aws-greengrass',
  construct: 'greengrass',
  kinds: new Set(['v2-greengrass-client']),
  exports: [
    { sdk: 'aws-iot-device-sdk-v2', path: ['greengrass'] },
    { sdk: 'aws-iot-device-sdk-v2', path: ['greengrasscoreipc'] },
    { sdk: 'aws-iot-device-sdk-v2', path: ['eventstream_rpc'] },
  ],
  note: 'AWS IoT Greengrass (core discovery and IPC) maps to Azure IoT Edge: code running on the edge device becomes a module that talks to edgeHub through ModuleClient.fromEnvironment(Mqtt) (azure-iot-device), with routes in the deployment manifest instead of Greengrass subscriptions. The AWS Greengrass code is kept below, commented out.',
  shortNote: 'AWS IoT Greengrass: becomes an IoT Edge module, kept commented out (the first TODO(iotmigrate) about Greengrass in this file says how).',
};

/** Greengrass discovery and core IPC → TODO: IoT Edge modules. */
export const awsGreengrass: Transform = {
  id: GREENGRASS.id,
  title: 'AWS IoT Greengrass → TODO: IoT Edge module',
  appliesTo: (file) => file.sdkImports.some((sdkImport) => sdkImport.sdk === 'aws-iot-device-sdk-v2'),
  run: (file) => rewriteUnmappedService(file, GREENGRASS),
};
