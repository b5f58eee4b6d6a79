import { connect } from 'node:net';
import { formatFaults } from './faults.js';
import { readRunningSandbox } from './runtime-record.js';
import { formatFleetStatus } from '../sim-devices/fleet-status.js';
import { readFleetStatusFile, type FleetStatusRecord } from '../sim-devices/fleet-status-file.js';
import type { SandboxRuntimeRecord } from './start-sandbox.js';

export interface SandboxStatus {
  record: (SandboxRuntimeRecord & { running: true; answering: Record<string, boolean>; fleet?: FleetStatusRecord }) | undefined;
  lines: string[];
}

export async function describeSandboxStatus(stateDir: string): Promise<SandboxStatus> {
  const record = await readRunningSandbox(stateDir);
  if (!record) return { record: undefined, lines: [`stopped (state dir ${stateDir})`] };
  const api = new URL(record.endpoints.iotApi);
  const { endpoints } = record;
  const answering = {
    api: await answers(api.hostname, Number(api.port)),
    mqtt: await answers(endpoints.iotDataHost, endpoints.mqttPort),
    s3: await answers(new URL(endpoints.s3Api).hostname, Number(new URL(endpoints.s3Api).port)),
    hubHttps: await answers(endpoints.iotHubHostName, endpoints.iotHubHttpsPort),
    hubMqtt: await answers(endpoints.iotHubHostName, endpoints.iotHubMqttPort),
  };
  const fleet = await readFleetStatusFile(stateDir);
  const mark = (ok: boolean) => (ok ? 'answering' : 'NOT ANSWERING');
  return {
    record: { ...record, running: true, answering, ...(fleet ? { fleet } : {}) },
    lines: [
      `running (pid ${record.pid}) since ${record.startedAt}, ${record.things} things, state dir ${stateDir}`,
      `  AWS IoT API  ${endpoints.iotApi}  ${mark(answering.api)}`,
      `  MQTT broker  mqtts://${endpoints.iotDataHost}:${endpoints.mqttPort}  ${mark(answering.mqtt)}`,
      `  S3           ${endpoints.s3Api}  ${mark(answering.s3)}`,
      `  Azure IoT Hub ${record.hubName}  https://${endpoints.iotHubHostName}:${endpoints.iotHubHttpsPort}  ${mark(answering.hubHttps)}`,
      `                devices  mqtts://${endpoints.iotHubHostName}:${endpoints.iotHubMqttPort}  ${mark(answering.hubMqtt)}`,
      fleet ? `  Simulated ${formatFleetStatus(fleet)} (pid ${fleet.pid})` : '  Simulated fleet: not running',
      ...(record.faults ? [`Faults: ${formatFaults(record.faults.rates)} (seed ${record.faults.seed})`] : []),
      'Limits: MQTT 3.1.1 only (MQTT 5 clients such as the v2 SDK Mqtt5Client are refused);',
      '        the APIs emulate the operations iotmigrate and the SDKs use, not all of AWS IoT or IoT Hub;',
      '        the hub speaks no AMQP: cloud-to-device sends and telemetry reads use its /sandbox/ HTTPS endpoints;',
      '        S3 is path-style with no multipart upload; SigV4 signatures are required but not verified (presigned expiry is).',
    ],
  };
}

function answers(host: string, port: number): Promise<boolean> {
  return new Promise((resolveAnswer) => {
    const socket = connect({ host, port, timeout: 2000 });
    socket.once('connect', () => {
      socket.destroy();
      resolveAnswer(true);
    });
    socket.once('error', () => resolveAnswer(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolveAnswer(false);
    });
  });
}
