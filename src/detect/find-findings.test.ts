import { beforeAll, describe, expect, it } from 'vitest';
import type { FirmwareRepo } from '../manifest/schema.js';
import { assembleManifest } from './assemble-manifest.js';
import type { EstateReadings } from './estate-readings.js';
import { sampleReadings } from './estate-readings.fixture.js';

const NOW = new Date('2026-11-20T00:00:00Z');
let readings: EstateReadings;
beforeAll(async () => {
  readings = await sampleReadings();
});

const codesOf = (findings: { code: string; subject: string }[]) => findings.map((finding) => `${finding.code} ${finding.subject}`);

describe('findings', () => {
  it('flags what needs a decision before the move, sorted by code and subject', () => {
    const { findings, certificates } = assembleManifest(readings, [], NOW);
    const revoked = certificates.find((certificate) => certificate.status === 'REVOKED')!.certificateId;
    expect(codesOf(findings)).toEqual([
      // sensor-4 presents sensor-3's certificate: its CN is not sensor-4.
      'certificate-cn-mismatch sensor-4',
      `certificate-not-active ${revoked}`,
      `certificate-shared ${revoked}`,
      'dynamic-group firmware-1.0',
      'job-active ota-2',
      'resource-vanished sensor-9',
      'thing-type-deprecated sensor',
      'thing-without-certificate sensor-2',
      'topic-rule-disabled audit',
    ]);
    const shared = findings.find((finding) => finding.code === 'certificate-shared')!;
    expect(shared.message).toContain('attached to 2 things (sensor-3, sensor-4)');
    expect(findings.find((finding) => finding.code === 'thing-type-deprecated')!.message).toContain('still used by 2 things');
  });

  it('warns of certificates that expire within 30 days, or have expired', () => {
    const soon = new Date(Date.parse('2031-01-01T00:00:00Z') - 10 * 86_400_000);
    const later = assembleManifest(readings, [], soon).findings.filter((finding) => finding.code.startsWith('certificate-exp'));
    // The REVOKED certificate expires too, but only attached ones matter; both are attached.
    expect(later.map((finding) => finding.code)).toEqual(['certificate-expiring', 'certificate-expiring']);
    expect(later[0]!.message).toContain('expires on 2031-01-01 (in 10 days)');
    const after = assembleManifest(readings, [], new Date('2031-02-01T00:00:00Z')).findings;
    expect(after.filter((finding) => finding.code === 'certificate-expired')).toHaveLength(2);
  });

  it('flags too many certificates on one thing, and active certificates attached to nothing', () => {
    const [first, second] = readings.certificates;
    const principals = new Map(readings.thingPrincipals);
    principals.set('gateway-1', [first!.certificateArn, second!.certificateArn, 'arn:aws:iot:eu-west-1:123456789012:cert/00ff']);
    principals.set('sensor-3', []);
    principals.set('sensor-4', []);
    const { findings } = assembleManifest({ ...readings, thingPrincipals: principals }, [], NOW);
    expect(codesOf(findings)).toContain('thing-too-many-certificates gateway-1');
    const unattached = { ...readings, thingPrincipals: new Map([['gateway-1', []]]) };
    expect(assembleManifest(unattached, [], NOW).findings.map((finding) => finding.code)).toContain('certificate-unattached');
  });

  it('flags firmware with nothing to rewrite and firmware that uses fleet provisioning', () => {
    const repo = (path: string, flavours: FirmwareRepo['flavours'], usesProvisioning: boolean): FirmwareRepo => ({
      path,
      packageName: null,
      flavours,
      filesScanned: 1,
      files: flavours.length
        ? [{ path: 'src/main.ts', flavours, publishes: [], subscribes: [], usesShadow: false, usesJobs: false, usesProvisioning }]
        : [],
    });
    const { findings } = assembleManifest(readings, [repo('fw/b', [], false), repo('fw/a', ['aws-iot-device-sdk-v2'], true)], NOW);
    expect(codesOf(findings.filter((finding) => finding.code.startsWith('firmware')))).toEqual([
      'firmware-uses-fleet-provisioning fw/a',
      'firmware-without-aws-iot fw/b',
    ]);
  });
});
