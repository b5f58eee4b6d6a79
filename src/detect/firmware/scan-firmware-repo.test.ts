import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { InputError } from '../../errors.js';
import { FirmwareRepoSchema, type FirmwareFileFinding } from '../../manifest/schema.js';
import { scanFirmwareRepo } from './scan-firmware-repo.js';

const FIXTURES = fileURLToPath(new URL('../../../fixtures/firmware-repos/', import.meta.url));

/** A finding with everything off, so each case states only what it expects to find. */
const finding = (path: string, found: Partial<Omit<FirmwareFileFinding, 'path'>>): FirmwareFileFinding => ({
  path,
  flavours: [],
  publishes: [],
  subscribes: [],
  usesShadow: false,
  usesJobs: false,
  usesProvisioning: false,
  ...found,
});

const temporaryDirectories: string[] = [];
afterEach(async () => {
  await Promise.all(temporaryDirectories.splice(0).map((directory) => rm(directory, { recursive: true, force: true })));
});

async function repoWith(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'iotmigrate-firmware-'));
  temporaryDirectories.push(root);
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
  return root;
}

describe('scanFirmwareRepo on the fixture repos', () => {
  it('finds the v2 SDK connection, telemetry, commands and shadow of thermostat-v2', async () => {
    const repo = await scanFirmwareRepo(join(FIXTURES, 'thermostat-v2'), { displayPath: 'fixtures/firmware-repos/thermostat-v2' });

    expect(FirmwareRepoSchema.parse(repo)).toEqual(repo);
    expect(repo).toEqual({
      path: 'fixtures/firmware-repos/thermostat-v2',
      packageName: 'thermostat-firmware',
      flavours: ['aws-iot-device-sdk-v2'],
      filesScanned: 7,
      files: [
        finding('src/commands.ts', { flavours: ['aws-iot-device-sdk-v2'], subscribes: ['cmd/thermostat/+/setpoint'] }),
        finding('src/connection.ts', { flavours: ['aws-iot-device-sdk-v2'] }),
        finding('src/shadow.ts', { flavours: ['aws-iot-device-sdk-v2'], usesShadow: true }),
        finding('src/telemetry.ts', { flavours: ['aws-iot-device-sdk-v2'], publishes: ['dt/thermostat/+/telemetry'] }),
      ],
    });
  });

  it('finds v1 device, thingShadow and raw jobs topics in legacy-v1-js', async () => {
    const repo = await scanFirmwareRepo(join(FIXTURES, 'legacy-v1-js'), { displayPath: 'legacy-v1-js' });

    expect(repo).toEqual({
      path: 'legacy-v1-js',
      packageName: 'air-quality-sensor',
      flavours: ['aws-iot-device-sdk-v1'],
      filesScanned: 4,
      files: [
        finding('index.js', {
          flavours: ['aws-iot-device-sdk-v1'],
          publishes: ['sensors/+/data'],
          subscribes: ['commands/+'],
        }),
        // Gets the device passed in and imports no SDK: only its reserved topics are reported.
        finding('lib/jobs.js', {
          publishes: ['$aws/things/+/jobs/+/update'],
          subscribes: ['$aws/things/+/jobs/notify-next'],
          usesJobs: true,
        }),
        finding('lib/shadow.js', { flavours: ['aws-iot-device-sdk-v1'], usesShadow: true }),
      ],
    });
  });

  it('finds mqtt.js metrics and raw shadow topics in mqttjs-gateway and leaves out the Modbus code', async () => {
    const repo = await scanFirmwareRepo(join(FIXTURES, 'mqttjs-gateway'), { displayPath: 'mqttjs-gateway' });

    expect(repo).toEqual({
      path: 'mqttjs-gateway',
      packageName: 'edge-gateway',
      flavours: ['mqtt'],
      filesScanned: 5,
      files: [
        finding('src/connection.ts', { flavours: ['mqtt'] }),
        finding('src/metrics.ts', { flavours: ['mqtt'], publishes: ['gw/+/metrics'] }),
        finding('src/shadow.ts', {
          flavours: ['mqtt'],
          publishes: ['$aws/things/+/shadow/name/config/get', '$aws/things/+/shadow/update'],
          subscribes: ['$aws/things/+/shadow/name/config/get/accepted'],
          usesShadow: true,
        }),
      ],
    });
  });

  it('reports the repo path as given when no display path is set', async () => {
    const repoPath = join(FIXTURES, 'mqttjs-gateway');
    expect((await scanFirmwareRepo(repoPath)).path).toBe(repoPath);
  });
});

describe('scanFirmwareRepo on edge cases', () => {
  it('rejects a missing path and a file with an InputError', async () => {
    const missing = scanFirmwareRepo(join(FIXTURES, 'no-such-repo'));
    await expect(missing).rejects.toBeInstanceOf(InputError);
    await expect(missing).rejects.toThrow(/no-such-repo does not exist/);

    const file = join(FIXTURES, 'thermostat-v2', 'package.json');
    await expect(scanFirmwareRepo(file)).rejects.toThrow(/is a file, not a directory/);
  });

  it('follows an aliased v2 import to its shadow, jobs and provisioning clients', async () => {
    const root = await repoWith({
      'src/device.ts': [
        "import * as sdk from 'aws-iot-device-sdk-v2';",
        'export function clients(connection: sdk.mqtt.MqttClientConnection) {',
        '  return [new sdk.iotshadow.IotShadowClient(connection), new sdk.iotjobs.IotJobsClient(connection)];',
        '}',
      ].join('\n'),
      'src/provision.mts': [
        "import { iotidentity as identity } from 'aws-iot-device-sdk-v2';",
        'export const client = (c: never) => new identity.IotIdentityClient(c);',
      ].join('\n'),
      'src/crt.ts': "import { mqtt } from 'aws-crt';\nexport const qos = mqtt.QoS.AtLeastOnce;\n",
    });

    const repo = await scanFirmwareRepo(root, { displayPath: 'repo' });

    expect(repo).toEqual({
      path: 'repo',
      packageName: null,
      flavours: ['aws-iot-device-sdk-v2'],
      filesScanned: 3,
      files: [
        finding('src/crt.ts', { flavours: ['aws-iot-device-sdk-v2'] }),
        finding('src/device.ts', { flavours: ['aws-iot-device-sdk-v2'], usesShadow: true, usesJobs: true }),
        finding('src/provision.mts', { flavours: ['aws-iot-device-sdk-v2'], usesProvisioning: true }),
      ],
    });
  });

  it("finds require('mqtt') and resolves const topics, arrays and MQTT 5 packets", async () => {
    const root = await repoWith({
      'package.json': '{"name": "bridge"}',
      'bridge.cjs': [
        "const mqtt = require('mqtt');",
        "const PREFIX = 'plant/line-4';",
        'const STATUS = `${PREFIX}/status`;',
        "const client = mqtt.connect('mqtts://' + process.env.ENDPOINT + ':8883');",
        "client.subscribe([STATUS, PREFIX + '/' + process.env.CELL + '/alarms', '#']);",
        "client.subscribe({ 'ota/+/chunks': { qos: 1 } });",
        'function send(topic, reading) {',
        '  client.publish(topic, JSON.stringify(reading));', // a parameter: unknown until run time
        '  const STATUS = `dev-${reading.id}/state`;', // shadows the outer STATUS
        '  client.publish(STATUS, "{}");',
        '}',
        "client.publish('$aws/certificates/create/json', '{}');",
        "let lastTopic = 'plant/line-4/last';",
        "client.on('message', (topic) => { lastTopic = topic; });",
        'client.publish(lastTopic, "{}");', // assigned again: unknown until run time
        'module.exports = { send };',
      ].join('\n'),
      'mqtt5.js': [
        "import { mqtt5 } from 'aws-iot-device-sdk-v2';",
        'export async function run(client, id) {',
        '  await client.subscribe({ subscriptions: [{ topicFilter: `cmd/${id}/#`, qos: mqtt5.QoS.AtLeastOnce }] });',
        "  await client.publish({ topicName: `$aws/rules/ingest/${id}`, qos: 1, payload: '' });",
        '}',
      ].join('\n'),
    });

    const repo = await scanFirmwareRepo(root, { displayPath: 'repo' });

    expect(repo.packageName).toBe('bridge');
    expect(repo.files).toEqual([
      finding('bridge.cjs', {
        flavours: ['mqtt'],
        publishes: ['$aws/certificates/create/json', '+/state'],
        subscribes: ['#', 'ota/+/chunks', 'plant/line-4/+/alarms', 'plant/line-4/status'],
        usesProvisioning: true,
      }),
      finding('mqtt5.js', { flavours: ['aws-iot-device-sdk-v2'], publishes: ['$aws/rules/ingest/+'], subscribes: ['cmd/+/#'] }),
    ]);
  });

  it('skips dependencies, build output and declaration files, and ignores non-IoT publish calls', async () => {
    const iotFile = "import { mqtt } from 'aws-iot-device-sdk-v2';\n";
    const root = await repoWith({
      'src/bus.ts': "import { EventEmitter } from 'node:events';\nexport const bus = { publish: (t: string) => new EventEmitter().emit(t) };\nbus.publish('reading');\n",
      'src/types/aws-iot-device-sdk.d.ts': "declare module 'aws-iot-device-sdk';\n",
      'node_modules/aws-iot-device-sdk-v2/index.js': iotFile,
      'dist/main.js': iotFile,
      'build/main.js': iotFile,
      '.git/hooks/pre-commit.js': iotFile,
      'README.md': "import { mqtt } from 'aws-iot-device-sdk-v2';",
    });

    const repo = await scanFirmwareRepo(root);

    expect(repo.filesScanned).toBe(1);
    expect(repo.files).toEqual([]);
    expect(repo.flavours).toEqual([]);
  });
});
