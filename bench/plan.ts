/**
 * `iotmigrate plan` on a generated 100,000-thing manifest (shaped like a seeded sandbox
 * estate: one certificate per thing, a fifth of them from a registered CA, two shadows
 * per thing, site groups, topic rules), run through the built CLI as a user runs it.
 * Reports wall time and the CLI process's peak RSS.
 * Run after `npm run build`: npx tsx bench/plan.ts [things]
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { certificate, manifestWith, thing, topicRule } from '../src/plan/manifest.fixture.js';
import type { Certificate, Manifest, Thing } from '../src/manifest/schema.js';

const THINGS = Number(process.argv[2] ?? 100_000);
const cli = fileURLToPath(new URL('../bin/iotmigrate.js', import.meta.url));
const CA_ID = createHash('sha256').update('fleet-root-ca').digest('hex');
// A P-256 device certificate is about 600 bytes of PEM; the size drives parse time and memory.
const pemBody = () => randomBytes(450).toString('base64').replace(/(.{64})/g, '$1\n');

function generateManifest(count: number): Manifest {
  const sites = ['berlin', 'lisbon', 'austin', 'osaka'];
  const things: Thing[] = [];
  const certificates: Certificate[] = [];
  for (let index = 1; index <= count; index += 1) {
    const type = index % 10 === 0 ? 'gateway' : index % 5 === 0 ? 'air-quality-sensor' : 'thermostat';
    const thingName = `${type}-${String(index).padStart(6, '0')}`;
    const certificateId = createHash('sha256').update(thingName).digest('hex');
    const site = sites[index % sites.length]!;
    const fromCa = index % 5 === 0;
    certificates.push(
      certificate(certificateId, {
        certificatePem: `-----BEGIN CERTIFICATE-----\n${pemBody()}\n-----END CERTIFICATE-----\n`,
        things: [thingName],
        policies: ['fleet-device-policy'],
        ...(fromCa ? { issuer: { kind: 'registered-ca', caCertificateId: CA_ID }, subjectCommonName: thingName } : {}),
      }),
    );
    things.push(
      thing(thingName, {
        thingTypeName: type,
        attributes: { serial: `SN${index.toString(16).toUpperCase()}`, site, firmwareVersion: `1.0.${index % 4}` },
        groups: [`site-${site}`],
        certificateIds: [certificateId],
        principals: [`arn:aws:iot:eu-west-1:123456789012:cert/${certificateId}`],
        shadows: [
          { name: null, desired: { setpoint: 20 + (index % 4) }, reported: { setpoint: 20, temperature: 21.5, firmwareVersion: '1.0.0' }, version: 3 },
          { name: 'config', desired: { reportingIntervalSeconds: 60 }, reported: { reportingIntervalSeconds: 60, logLevel: 'info' }, version: 1 },
        ],
      }),
    );
  }
  return manifestWith({
    things,
    certificates: certificates.sort((a, b) => (a.certificateId < b.certificateId ? -1 : 1)),
    caCertificates: [
      {
        certificateId: CA_ID,
        certificateArn: `arn:aws:iot:eu-west-1:123456789012:cacert/${CA_ID}`,
        status: 'ACTIVE',
        certificatePem: `-----BEGIN CERTIFICATE-----\n${pemBody()}\n-----END CERTIFICATE-----\n`,
        thumbprints: { sha256: CA_ID.toUpperCase(), sha1: CA_ID.slice(0, 40).toUpperCase() },
        subjectCommonName: 'Fleet Root CA',
        autoRegistrationStatus: 'DISABLE',
      },
    ],
    thingGroups: [
      { kind: 'static', groupName: 'all-sites', groupArn: 'arn:g:all', parentGroupName: null, description: null, attributes: {}, members: [] },
      ...sites.map((site) => ({
        kind: 'static' as const,
        groupName: `site-${site}`,
        groupArn: `arn:g:${site}`,
        parentGroupName: 'all-sites',
        description: null,
        attributes: { site },
        members: things.filter((item) => item.attributes.site === site).map((item) => item.thingName),
      })),
    ],
    topicRules: [
      topicRule('telemetry_to_kinesis', "SELECT * FROM 'dt/thermostat/+/telemetry'", [{ type: 'kinesis', config: { streamName: 'fleet-telemetry' } }]),
      topicRule('overheat_alerts', "SELECT temperature FROM 'dt/thermostat/+/telemetry' WHERE temperature > 30", [
        { type: 'sqs', config: { queueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/overheat' } },
      ]),
      topicRule('mirror_commands', "SELECT * FROM 'cmd/+/+/setpoint'", [{ type: 'republish', config: { topic: 'audit/x' } }]),
    ],
  });
}

const dir = await mkdtemp(join(tmpdir(), 'iotmigrate-bench-plan-'));
try {
  const manifestPath = join(dir, 'manifest.json');
  await writeFile(manifestPath, JSON.stringify(generateManifest(THINGS)));
  const manifestMb = (await stat(manifestPath)).size / 1e6;
  console.log(`generated a ${THINGS.toLocaleString('en-US')}-thing manifest of ${manifestMb.toFixed(0)} MB (setup, not measured)`);

  // The child reports its own peak RSS as it exits; the parent cannot read a child's.
  const reportPeak = 'data:text/javascript,import{writeSync}from"node:fs";process.on("exit",()=>writeSync(2,`\\npeak-rss-kb=${process.resourceUsage().maxRSS}\\n`))';
  const started = performance.now();
  const run = spawnSync(process.execPath, ['--import', reportPeak, cli, 'plan', '--manifest', manifestPath, '--out', join(dir, 'plan')], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const seconds = (performance.now() - started) / 1000;
  if (run.status !== 0) throw new Error(`plan exited ${run.status}:\n${run.stderr}`);
  const peakMb = Number(/peak-rss-kb=(\d+)/.exec(run.stderr)![1]) / 1024;
  const sizes = await Promise.all(['plan.json', 'identities.json', 'terraform/cdk.tf.json'].map(async (file) => (await stat(join(dir, 'plan', file))).size / 1e6));
  console.log(`wrote plan.json ${sizes[0]!.toFixed(1)} MB, identities.json ${sizes[1]!.toFixed(1)} MB, cdk.tf.json ${sizes[2]!.toFixed(2)} MB`);
  console.log(`plan: ${THINGS.toLocaleString('en-US')} things in ${seconds.toFixed(1)} s, peak RSS ${peakMb.toFixed(0)} MB (manifest ${manifestMb.toFixed(0)} MB)`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
