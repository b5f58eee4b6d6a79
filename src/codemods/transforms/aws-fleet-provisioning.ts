import { rewriteUnmappedService, type UnmappedService } from './support/unmapped-service.js';
import type { Transform } from './transform.js';

const PROVISIONING: UnmappedService = {
  id: 'aws-fleet-provisioning',
  construct: 'provisioning',
  kinds: new Set(['v2-identity-client']),
  exports: [{ sdk: 'aws-iot-device-sdk-v2', path: ['iotidentity'] }],
  topicKind: 'provisioning',
  note: "AWS IoT fleet provisioning (CreateKeysAndCertificate, CreateCertificateFromCsr, RegisterThing) maps to the Azure Device Provisioning Service: register with azure-iot-provisioning-device and azure-iot-provisioning-device-mqtt, ProvisioningDeviceClient.create(provisioningHost, idScope, new Transport(), new X509Security({ cert, key })).register(…), against an individual or group enrollment for the device's certificate. DPS returns the assigned hub and device ID to build the Client with. The AWS provisioning code is kept below, commented out.",
  shortNote: 'AWS IoT fleet provisioning: use the Device Provisioning Service, kept commented out (the first TODO(iotmigrate) about provisioning in this file says how).',
};

/** Fleet provisioning (v2 `iotidentity`, raw `$aws/certificates/create` and `$aws/provisioning-templates` topics) → TODO: DPS. */
export const awsFleetProvisioning: Transform = {
  id: PROVISIONING.id,
  title: 'AWS IoT fleet provisioning → TODO: Device Provisioning Service',
  appliesTo: (file) => file.memberCalls().length > 0 || file.sdkImports.length > 0,
  run: (file) => rewriteUnmappedService(file, PROVISIONING),
};
