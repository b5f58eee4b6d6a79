import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDetect, type DetectOptions, type DetectResult } from '../../src/detect/run-detect.js';
import { CloudError, ExitCode } from '../../src/errors.js';
import { loadManifest } from '../../src/manifest/io.js';
import type { Manifest } from '../../src/manifest/schema.js';
import type { ProgressEvent } from '../../src/progress/events.js';
import { startControlPlane, type ControlPlane } from '../../src/sandbox/aws/control-plane/start-control-plane.js';
import { CLASSIC_SHADOW, type AwsEstate } from '../../src/sandbox/aws/estate.js';
import { EstateStore } from '../../src/sandbox/aws/estate-store.js';
import { seedAwsEstate } from '../../src/sandbox/aws/seed-estate.js';
import { createCertificateAuthority } from '../../src/sandbox/pki.js';
import { uniqueLoopbackHost } from '../support/loopback.js';

/**
 * detect end to end: the real @aws-sdk/client-iot and client-iot-data-plane against the
 * sandbox control plane, reached the way users reach AWS (endpoint and credential
 * environment variables).
 */
const REGION = 'us-east-1';
const FIRMWARE_REPO = 'fixtures/firmware-repos/thermostat-v2';

let dir: string;
let estate: AwsEstate;
let store: EstateStore;
let host: string;
let controlPlane: ControlPlane;
let baseline: { result: DetectResult; events: ProgressEvent[]; bytes: string };

function pointSdkAt(url: string, extra: Record<string, string | undefined> = {}): void {
  const settings: Record<string, string | undefined> = {
    AWS_ENDPOINT_URL_IOT: url,
    AWS_ENDPOINT_URL_IOT_DATA_PLANE: url,
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'AKIASANDBOX000000000',
    AWS_SECRET_ACCESS_KEY: 'sandbox-secret-access-key',
    AWS_PROFILE: undefined,
    AWS_CONFIG_FILE: join(dir, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-aws-credentials'),
    ...extra,
  };
  for (const [name, value] of Object.entries(settings)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
}

function detect(name: string, options: Partial<DetectOptions> = {}): { run: Promise<DetectResult>; events: ProgressEvent[] } {
  const events: ProgressEvent[] = [];
  const run = runDetect({
    out: join(dir, name, 'manifest.json'),
    checkpointFile: join(dir, name, '.manifest.json.checkpoint.json'),
    firmwareRepos: [],
    resume: 'auto',
    shadows: true,
    onEvent: (event) => events.push(event),
    ...options,
  });
  return { run, events };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iotmigrate-detect-'));
  estate = await seedAwsEstate({
    things: 60,
    seed: 7,
    region: REGION,
    awsIssuer: await createCertificateAuthority('Amazon RSA 2048 M01'),
    registeredCa: await createCertificateAuthority('Fleet Root CA'),
    devicesDir: await mkdtemp(join(dir, 'devices-')),
    anomalies: true,
  });
  store = EstateStore.inMemory(estate);
  host = uniqueLoopbackHost();
  controlPlane = await startControlPlane({ store, host, port: 0, dataEndpointHost: host });
  pointSdkAt(controlPlane.url);
  const { run, events } = detect('baseline', { firmwareRepos: [FIRMWARE_REPO] });
  const result = await run;
  baseline = { result, events, bytes: await readFile(result.manifestPath, 'utf8') };
});

afterAll(async () => {
  await controlPlane?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('detect against the sandbox', () => {
  it('writes a manifest that validates and counts what was seeded', async () => {
    const manifest = await loadManifest(baseline.result.manifestPath);
    expect(manifest).toEqual(baseline.result.manifest);
    expect(manifest.things).toHaveLength(Object.keys(estate.things).length);
    expect(manifest.certificates).toHaveLength(Object.keys(estate.certificates).length);
    expect(manifest.caCertificates).toHaveLength(1);
    expect(manifest.thingTypes.map((type) => type.thingTypeName)).toEqual(Object.keys(estate.thingTypes).sort());
    expect(manifest.thingGroups.map((group) => group.groupName)).toEqual(Object.keys(estate.thingGroups).sort());
    expect(manifest.policies.map((policy) => policy.policyName)).toEqual(['fleet-device-policy']);
    expect(manifest.topicRules.map((rule) => rule.ruleName)).toEqual(Object.keys(estate.topicRules).sort());
    expect(manifest.jobs.map((job) => job.jobId)).toEqual(['firmware-1.0.3-rollout']);
    expect(manifest.source).toEqual({ accountId: estate.accountId, region: REGION, controlEndpoint: controlPlane.url, dataEndpoint: host });
    const shadows = manifest.things.flatMap((thing) => thing.shadows);
    expect(shadows).toHaveLength(2 * manifest.things.length);
    expect(baseline.result.counts).toMatchObject({ things: 60, thingGroups: 6, topicRules: 4, shadows: 120, firmwareRepos: 1 });
    expect(baseline.result.summaryLines[0]).toContain(`account ${estate.accountId}`);
  });

  it('reads every thing as seeded: attributes, type, groups, client ID and certificate', () => {
    const manifest = baseline.result.manifest;
    for (const thing of manifest.things) {
      const seeded = estate.things[thing.thingName]!;
      expect(thing).toMatchObject({
        thingArn: seeded.thingArn,
        thingId: seeded.thingId,
        thingTypeName: seeded.thingTypeName,
        attributes: seeded.attributes,
        clientId: thing.thingName,
      });
      const site = `site-${seeded.attributes.site}`;
      const dynamic = seeded.attributes.firmwareVersion!.startsWith('1.0.') ? ['firmware-1.0'] : [];
      expect(thing.groups).toEqual([...dynamic, site].sort());
      expect(thing.principals).toEqual([...(estate.thingPrincipals[thing.thingName] ?? [])].sort());
    }
  });

  it('reads certificates with local thumbprints, issuer kind and status', () => {
    const manifest = baseline.result.manifest;
    const caId = Object.keys(estate.caCertificates)[0]!;
    for (const certificate of manifest.certificates) {
      const seeded = estate.certificates[certificate.certificateId]!;
      expect(certificate.thumbprints.sha256).toBe(certificate.certificateId.toUpperCase());
      expect(certificate.status).toBe(seeded.status);
      expect(certificate.issuer).toEqual(seeded.caCertificateId ? { kind: 'registered-ca', caCertificateId: caId } : { kind: 'aws' });
      expect(certificate.policies).toEqual(['fleet-device-policy']);
    }
    expect(manifest.certificates.filter((certificate) => certificate.issuer.kind === 'registered-ca').length).toBeGreaterThan(5);
    const revoked = manifest.certificates.filter((certificate) => certificate.status === 'REVOKED');
    expect(revoked).toHaveLength(1);
    expect(revoked[0]!.things.length).toBeGreaterThan(0);
    expect(manifest.caCertificates[0]).toMatchObject({ certificateId: caId, subjectCommonName: 'Fleet Root CA', status: 'ACTIVE' });
  });

  it('reads groups, the dynamic group as the things its query matches', () => {
    const manifest = baseline.result.manifest;
    const dynamic = manifest.thingGroups.find((group) => group.groupName === 'firmware-1.0')!;
    const expected = Object.values(estate.things)
      .filter((thing) => thing.attributes.firmwareVersion?.startsWith('1.0.'))
      .map((thing) => thing.thingName)
      .sort();
    expect(dynamic).toMatchObject({ kind: 'dynamic', queryString: 'attributes.firmwareVersion:1.0.*', members: expected });
    const berlin = manifest.thingGroups.find((group) => group.groupName === 'site-berlin')!;
    expect(berlin).toMatchObject({ kind: 'static', parentGroupName: 'all-sites', members: [...estate.thingGroups['site-berlin']!.members].sort() });
  });

  it('reads rules with their action types, the policy document, and shadows with their state', () => {
    const manifest = baseline.result.manifest;
    const rules = Object.fromEntries(manifest.topicRules.map((rule) => [rule.ruleName, rule]));
    expect(rules.overheat_alerts!.actions.map((action) => action.type)).toEqual(['sqs', 'lambda']);
    expect(rules.telemetry_to_kinesis!.errorAction?.type).toBe('sqs');
    expect(rules.mirror_commands!.enabled).toBe(false);
    expect(rules.archive_to_s3!.actions[0]).toEqual({ type: 's3', config: estate.topicRules.archive_to_s3!.actions[0]!.s3 });
    expect(manifest.policies[0]!.document).toEqual(JSON.parse(estate.policies['fleet-device-policy']!.policyDocument));
    const thing = manifest.things[7]!;
    const seeded = estate.shadows[thing.thingName]!;
    expect(thing.shadows).toEqual([
      { name: null, desired: seeded[CLASSIC_SHADOW]!.state.desired, reported: seeded[CLASSIC_SHADOW]!.state.reported, version: seeded[CLASSIC_SHADOW]!.version },
      { name: 'config', desired: seeded.config!.state.desired, reported: seeded.config!.state.reported, version: seeded.config!.version },
    ]);
  });

  it('scans the firmware repos it is given', () => {
    expect(baseline.result.manifest.firmware).toHaveLength(1);
    expect(baseline.result.manifest.firmware[0]!.path).toBe(FIRMWARE_REPO);
    expect(baseline.result.manifest.firmware[0]!.flavours.length).toBeGreaterThan(0);
  });

  it('finds the seeded anomalies and reports them as warnings', () => {
    const manifest = baseline.result.manifest;
    const codes = new Set(manifest.findings.map((finding) => finding.code));
    for (const code of ['thing-without-certificate', 'certificate-shared', 'certificate-not-active', 'dynamic-group', 'topic-rule-disabled']) {
      expect(codes).toContain(code);
    }
    const withoutCertificate = Object.keys(estate.things).filter((name) => !(estate.thingPrincipals[name]?.length));
    expect(manifest.findings.filter((finding) => finding.code === 'thing-without-certificate').map((finding) => finding.subject)).toEqual(withoutCertificate);
    const warnings = baseline.events.filter((event) => event.type === 'warning');
    expect(warnings).toHaveLength(manifest.findings.length);
  });

  it('reports stages and progress with totals', () => {
    const stages = baseline.events.filter((event) => event.type === 'stage').map((event) => `${event.stage} ${event.status}`);
    expect(stages).toEqual(['scan started', 'scan finished', 'detect started', 'detect finished']);
    const things = baseline.events.filter((event) => event.type === 'progress' && event.resource === 'things');
    expect(things.at(-1)).toMatchObject({ done: 60, total: 60 });
  });

  it('deletes its checkpoint once the manifest is written', async () => {
    await expect(stat(join(dir, 'baseline', '.manifest.json.checkpoint.json'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('detect interrupted and resumed', () => {
  it('continues from the checkpoint and writes the same bytes as an uninterrupted run', async () => {
    const controller = new AbortController();
    let progressEvents = 0;
    const killed = new Error('killed mid-run');
    const first = detect('resumed', {
      firmwareRepos: [FIRMWARE_REPO],
      signal: controller.signal,
      onEvent: (event) => {
        if (event.type === 'progress' && ++progressEvents === 120) controller.abort(killed);
      },
    });
    await expect(first.run).rejects.toBe(killed);
    const checkpoint = join(dir, 'resumed', '.manifest.json.checkpoint.json');
    expect((await stat(checkpoint)).size).toBeGreaterThan(0);
    await expect(stat(join(dir, 'resumed', 'manifest.json'))).rejects.toMatchObject({ code: 'ENOENT' });

    const second = detect('resumed', { firmwareRepos: [FIRMWARE_REPO] });
    const result = await second.run;
    expect(second.events.find((event) => event.type === 'log' && event.message.startsWith('Resuming detect'))).toBeDefined();
    // What the first run read is not read again: counts start where it stopped.
    const firstCounts = new Map<string, number>();
    for (const event of second.events) {
      if (event.type === 'progress' && !firstCounts.has(event.resource)) firstCounts.set(event.resource, event.done);
    }
    expect(Math.max(...firstCounts.values())).toBeGreaterThan(1);
    expect(firstCounts.has('things listed')).toBe(false);
    expect(await readFile(result.manifestPath, 'utf8')).toBe(baseline.bytes);
    await expect(stat(checkpoint)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses resume "always" when there is no checkpoint', async () => {
    await expect(detect('nothing-to-resume', { resume: 'always' }).run).rejects.toThrow(/cannot resume detect: there is no checkpoint/);
  });
});

describe('detect against a throttling control plane', () => {
  it('slows down to the API rate, retries, and completes with the same manifest', async () => {
    const throttledHost = uniqueLoopbackHost();
    const throttling = await startControlPlane({ store, host: throttledHost, port: 0, dataEndpointHost: host, apiRate: 20 });
    try {
      pointSdkAt(throttling.url);
      const { run, events } = detect('throttled');
      const result = await run;
      expect(events.filter((event) => event.type === 'throttled').length).toBeGreaterThan(0);
      const manifest: Manifest = { ...result.manifest, source: baseline.result.manifest.source };
      expect(manifest).toEqual({ ...baseline.result.manifest, firmware: [] });
    } finally {
      pointSdkAt(controlPlane.url);
      await throttling.close();
    }
  });
});

describe('detect failures', () => {
  it('without credentials: a cloud error (exit 3) that says how to configure them', async () => {
    pointSdkAt(controlPlane.url, {
      AWS_ACCESS_KEY_ID: undefined,
      AWS_SECRET_ACCESS_KEY: undefined,
      AWS_SESSION_TOKEN: undefined,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: undefined,
      AWS_CONTAINER_CREDENTIALS_FULL_URI: undefined,
      AWS_WEB_IDENTITY_TOKEN_FILE: undefined,
    });
    try {
      const failure = await detect('no-credentials').run.catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(CloudError);
      expect((failure as CloudError).exitCode).toBe(ExitCode.cloud);
      expect((failure as CloudError).hint).toContain('iotmigrate sandbox env');
    } finally {
      pointSdkAt(controlPlane.url);
    }
  });

  it('with an endpoint nobody listens on: a cloud error naming it, at once', async () => {
    const port = await closedPort(host);
    const unreachable = `http://${host}:${port}`;
    pointSdkAt(unreachable);
    try {
      const started = performance.now();
      const failure = await detect('unreachable').run.catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(CloudError);
      expect((failure as CloudError).message).toContain(unreachable);
      expect((failure as CloudError).message).toContain('ECONNREFUSED');
      expect(performance.now() - started).toBeLessThan(5_000);
    } finally {
      pointSdkAt(controlPlane.url);
    }
  });

  it('without a region: a usage error that says how to set one', async () => {
    pointSdkAt(controlPlane.url, { AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined });
    try {
      await expect(detect('no-region').run).rejects.toMatchObject({ exitCode: ExitCode.badInput, hint: 'set AWS_REGION or pass --region' });
    } finally {
      pointSdkAt(controlPlane.url);
    }
  });
});

/** A port on `host` that was free a moment ago and has no listener now. */
async function closedPort(onHost: string): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, onHost, resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
