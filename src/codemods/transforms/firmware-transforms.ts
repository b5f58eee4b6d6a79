import { awsFleetProvisioning } from './aws-fleet-provisioning.js';
import { awsGreengrass } from './aws-greengrass.js';
import { awsJobs } from './aws-jobs.js';
import { awsQosConstants } from './aws-qos-constants.js';
import { awsV1Connect } from './aws-v1-connect.js';
import { awsV1Shadow } from './aws-v1-shadow.js';
import { awsV2Mqtt3Connect } from './aws-v2-mqtt3-connect.js';
import { awsV2Mqtt5Connect } from './aws-v2-mqtt5-connect.js';
import { awsV2Shadow } from './aws-v2-shadow.js';
import { awsV2ShadowRequestResponse } from './aws-v2-shadow-request-response.js';
import { clientTypeAnnotations } from './client-type-annotations.js';
import { commandSubscriptions } from './command-subscriptions.js';
import { connectionLifecycle } from './connection-lifecycle.js';
import { endpointConfig } from './endpoint-config.js';
import { mqttjsConnect } from './mqttjs-connect.js';
import { rawShadowTopics } from './raw-shadow-topics.js';
import { telemetryPublish } from './telemetry-publish.js';
import type { Transform } from './transform.js';
import { unmappedAwsUsage } from './unmapped-aws-usage.js';

/**
 * Every firmware transform, in the order they run. Order matters in one way only: a
 * transform skips code an earlier one has taken. So services with no Azure
 * counterpart (commented out whole) come first, shadows before the generic
 * publish/subscribe mappings that would otherwise take their topics' neighbours,
 * commands before telemetry (a command's reply publish is part of the command), and
 * the catch-all for anything unmapped comes last.
 */
export const FIRMWARE_TRANSFORMS: readonly Transform[] = [
  awsJobs,
  awsFleetProvisioning,
  awsGreengrass,
  awsV2Mqtt3Connect,
  awsV2Mqtt5Connect,
  awsV1Connect,
  mqttjsConnect,
  clientTypeAnnotations,
  awsV2Shadow,
  awsV2ShadowRequestResponse,
  awsV1Shadow,
  rawShadowTopics,
  commandSubscriptions,
  telemetryPublish,
  connectionLifecycle,
  endpointConfig,
  awsQosConstants,
  unmappedAwsUsage,
];
