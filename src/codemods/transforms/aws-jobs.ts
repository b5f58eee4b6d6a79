import { rewriteUnmappedService, type UnmappedService } from './support/unmapped-service.js';
import type { Transform } from './transform.js';

const JOBS: UnmappedService = {
  id: 'aws-jobs',
  construct: 'jobs',
  kinds: new Set(['v1-jobs-client', 'v2-jobs-client']),
  exports: [
    { sdk: 'aws-iot-device-sdk-v1', path: ['jobs'] },
    { sdk: 'aws-iot-device-sdk-v2', path: ['iotjobs'] },
  ],
  topicKind: 'jobs',
  note: "AWS IoT Jobs has no device-side API on IoT Hub. Azure options, to decide per job type: a direct method per job operation (client.onDeviceMethod('<operation>', …)) that the cloud runs on many devices at once with an IoT Hub job (JobClient.scheduleDeviceMethod), the device reporting progress in a reported property (twin.properties.reported.update({ jobs: { <jobId>: { status } } })); or Device Update for IoT Hub for firmware and package updates. The AWS Jobs code is kept below, commented out.",
  shortNote: 'AWS IoT Jobs: no IoT Hub device API, kept commented out (the first TODO(iotmigrate) about Jobs in this file gives the Azure options).',
};

/** AWS IoT Jobs (v1 `jobs`, v2 `iotjobs`, raw `$aws/things/+/jobs` topics) → TODO with the Azure options. */
export const awsJobs: Transform = {
  id: JOBS.id,
  title: 'AWS IoT Jobs → TODO: direct methods with reported progress, or Device Update',
  appliesTo: (file) => file.memberCalls().length > 0 || file.sdkImports.length > 0,
  run: (file) => rewriteUnmappedService(file, JOBS),
};
