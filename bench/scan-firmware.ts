/**
 * Firmware repo scan throughput: generates a synthetic repo of 2,000 source files (v2
 * TypeScript, v1 CommonJS, mqtt.js and plain non-IoT modules, in nested folders), scans
 * it and prints files per second and peak RSS as the last line.
 *
 * Run: npx tsx bench/scan-firmware.ts
 * (without tsx: compile with `npx tsc -p tsconfig.json --outDir <dir>`, link
 * <dir>/node_modules to this repo's node_modules, then `node <dir>/bench/scan-firmware.js`)
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { scanFirmwareRepo } from '../src/detect/firmware/scan-firmware-repo.js';

const FILE_COUNT = 2_000;
const FILES_PER_FOLDER = 25;

const v2Module = (n: number): string => `import { iotshadow, mqtt } from 'aws-iot-device-sdk-v2';

const SERVICE = 'zone-${n}';

export interface Reading${n} {
  value: number;
  unit: string;
  takenAt: number;
}

export async function startZone${n}(connection: mqtt.MqttClientConnection, thingName: string): Promise<() => void> {
  const shadow = new iotshadow.IotShadowClient(connection);
  await connection.subscribe(\`cmd/\${SERVICE}/\${thingName}/set\`, mqtt.QoS.AtLeastOnce, (_topic, payload) => {
    const text = new TextDecoder().decode(payload);
    console.log('command', text.length);
  });
  const timer = setInterval(() => {
    const reading: Reading${n} = { value: Math.random() * ${n}, unit: 'C', takenAt: Date.now() };
    void connection.publish(\`dt/\${SERVICE}/\${thingName}/telemetry\`, JSON.stringify(reading), mqtt.QoS.AtLeastOnce);
    void shadow.publishUpdateShadow({ thingName, state: { reported: { value: reading.value } } }, mqtt.QoS.AtLeastOnce);
  }, 5_000);
  return () => clearInterval(timer);
}
`;

const v1Module = (n: number): string => `'use strict';

var awsIot = require('aws-iot-device-sdk');

function startSensor${n}(options) {
  var device = awsIot.device({
    keyPath: options.keyPath,
    certPath: options.certPath,
    caPath: options.caPath,
    clientId: options.clientId,
    host: options.host,
  });
  var dataTopic = 'sensors/' + options.clientId + '/data-${n}';
  device.on('connect', function () {
    device.subscribe('commands/' + options.clientId);
    device.subscribe(\`$aws/things/\${options.clientId}/jobs/notify-next\`);
  });
  setInterval(function () {
    device.publish(dataTopic, JSON.stringify({ sample: ${n}, at: Date.now() }));
  }, 10000);
  return device;
}

module.exports = { startSensor${n}: startSensor${n} };
`;

const mqttModule = (n: number): string => `import mqtt from 'mqtt';
import { readFileSync } from 'node:fs';

export function connectLine${n}(endpoint: string, gatewayId: string) {
  const client = mqtt.connect('mqtts://' + endpoint + ':8883', {
    key: readFileSync('/etc/gw/key.pem'),
    cert: readFileSync('/etc/gw/cert.pem'),
    ca: readFileSync('/etc/gw/ca.pem'),
    clientId: gatewayId,
  });
  const shadowTopic = \`$aws/things/\${gatewayId}/shadow\`;
  client.on('connect', () => {
    client.subscribe(\`\${shadowTopic}/update/delta\`);
    client.publish(\`gw/\${gatewayId}/line-${n}/metrics\`, JSON.stringify({ up: true }));
  });
  return client;
}
`;

const plainModule = (n: number): string => `export interface Window${n} {
  size: number;
  values: number[];
}

/** Moving average over the last readings of channel ${n}. */
export function movingAverage${n}(window: Window${n}, next: number): number {
  window.values.push(next);
  if (window.values.length > window.size) window.values.shift();
  let sum = 0;
  for (const value of window.values) sum += value;
  return sum / window.values.length;
}

export function clamp${n}(value: number, min = 0, max = ${n + 100}): number {
  return Math.min(max, Math.max(min, value));
}
`;

const GENERATORS = [
  { extension: 'ts', generate: v2Module },
  { extension: 'js', generate: v1Module },
  { extension: 'ts', generate: mqttModule },
  { extension: 'ts', generate: plainModule },
] as const;

async function generateRepo(root: string): Promise<void> {
  await writeFile(join(root, 'package.json'), JSON.stringify({ name: 'bench-fleet-firmware', version: '1.0.0' }));
  for (let n = 0; n < FILE_COUNT; n += 1) {
    const folder = join(root, 'src', `module-${Math.floor(n / FILES_PER_FOLDER)}`);
    if (n % FILES_PER_FOLDER === 0) await mkdir(folder, { recursive: true });
    const { extension, generate } = GENERATORS[n % GENERATORS.length]!;
    await writeFile(join(folder, `part-${n}.${extension}`), generate(n));
  }
}

const root = await mkdtemp(join(tmpdir(), 'iotmigrate-bench-firmware-'));
try {
  await generateRepo(root);
  const started = performance.now();
  const repo = await scanFirmwareRepo(root);
  const seconds = (performance.now() - started) / 1000;
  const expectedWithFindings = FILE_COUNT - FILE_COUNT / GENERATORS.length;
  if (repo.filesScanned !== FILE_COUNT || repo.files.length !== expectedWithFindings) {
    throw new Error(`scanned ${repo.filesScanned} files with ${repo.files.length} findings; expected ${FILE_COUNT} and ${expectedWithFindings}`);
  }
  // maxRSS is in KiB and is the peak of the whole process, generation included.
  const peakRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
  console.log(
    `scan-firmware: ${FILE_COUNT} files in ${seconds.toFixed(1)} s (${Math.round(FILE_COUNT / seconds)} files/s), peak RSS ${peakRssMiB} MiB`,
  );
} finally {
  await rm(root, { recursive: true, force: true });
}
