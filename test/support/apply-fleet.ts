import { createHash, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Certificate, Manifest, Thing } from '../../src/manifest/schema.js';
import { certificate, manifestWith, thing } from '../../src/plan/manifest.fixture.js';
import { runCli } from './run-cli.js';

/**
 * A fleet for apply's tests and benchmark, as detect would describe it: most things
 * with an AWS-issued certificate (thumbprint identities), some from a registered CA
 * whose CN is the thing name (CA identities), some with no certificate (the SAS
 * fallback), and any number with attributes too large for a twin's 8 KB of tags.
 * Each certificate's PEM wraps random bytes standing for its DER, so a test can
 * recompute the thumbprint from the PEM on its own.
 */
export interface FleetShape {
  things: number;
  fromCa?: number;
  withoutCertificate?: number;
  oversizedTags?: number;
}

export const CA_CERTIFICATE_ID = createHash('sha256').update('apply-fleet-ca').digest('hex');

export function fleetManifest(shape: FleetShape): Manifest {
  const things: Thing[] = [];
  const certificates: Certificate[] = [];
  const fromCa = shape.fromCa ?? 0;
  const withoutCertificate = shape.withoutCertificate ?? 0;
  const oversized = shape.oversizedTags ?? 0;
  for (let index = 0; index < shape.things; index += 1) {
    const thingName = `${index % 3 === 0 ? 'gateway' : 'thermostat'}-${String(index).padStart(5, '0')}`;
    const kind = index < withoutCertificate ? 'none' : index < withoutCertificate + fromCa ? 'ca' : 'aws';
    const certificateIds: string[] = [];
    if (kind !== 'none') {
      const der = randomBytes(420);
      const certificateId = createHash('sha256').update(thingName).digest('hex');
      const sha256 = createHash('sha256').update(der).digest('hex').toUpperCase();
      certificates.push(
        certificate(certificateId, {
          certificatePem: `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE-----\n`,
          thumbprints: { sha256, sha1: createHash('sha1').update(der).digest('hex').toUpperCase() },
          things: [thingName],
          ...(kind === 'ca' ? { issuer: { kind: 'registered-ca' as const, caCertificateId: CA_CERTIFICATE_ID }, subjectCommonName: thingName } : {}),
        }),
      );
      certificateIds.push(certificateId);
    }
    const big = index >= shape.things - oversized;
    things.push(
      thing(thingName, {
        thingTypeName: index % 3 === 0 ? 'gateway' : 'thermostat',
        attributes: big
          ? Object.fromEntries(Array.from({ length: 20 }, (_, n) => [`note${n}`, 'x'.repeat(500)]))
          : { site: ['berlin', 'lisbon', 'osaka'][index % 3]!, serial: `SN${index}` },
        groups: [`site-${index % 2 === 0 ? 'north' : 'south'}`],
        certificateIds,
        shadows: [{ name: null, desired: { setpoint: 20 + (index % 5) }, reported: { setpoint: 20 }, version: 2 }],
      }),
    );
  }
  return manifestWith({
    things,
    certificates: certificates.sort((a, b) => (a.certificateId < b.certificateId ? -1 : 1)),
    caCertificates:
      fromCa > 0
        ? [
            {
              certificateId: CA_CERTIFICATE_ID,
              certificateArn: `arn:aws:iot:eu-west-1:123456789012:cacert/${CA_CERTIFICATE_ID}`,
              status: 'ACTIVE',
              certificatePem: '-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n',
              thumbprints: { sha256: CA_CERTIFICATE_ID.toUpperCase(), sha1: CA_CERTIFICATE_ID.slice(0, 40).toUpperCase() },
              subjectCommonName: 'Fleet CA',
              autoRegistrationStatus: 'DISABLE',
            },
          ]
        : [],
    thingGroups: ['north', 'south'].map((site) => ({
      kind: 'static' as const,
      groupName: `site-${site}`,
      groupArn: `arn:aws:iot:eu-west-1:123456789012:thinggroup/site-${site}`,
      parentGroupName: null,
      description: null,
      attributes: {},
      members: [],
    })),
  });
}

/** SHA-256 of the DER inside a PEM, upper-case hex: how IoT Hub names a certificate's thumbprint. */
export function thumbprintOfPem(pem: string): string {
  const der = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  return createHash('sha256').update(der).digest('hex').toUpperCase();
}

/** Writes the manifest into `dir` and runs the built CLI's `plan` on it; returns the plan directory. */
export async function planFleet(dir: string, manifest: Manifest): Promise<string> {
  const manifestPath = join(dir, 'manifest.json');
  const planDir = join(dir, 'plan');
  await writeFile(manifestPath, JSON.stringify(manifest));
  const result = await runCli(['plan', '--manifest', manifestPath, '--out', planDir]);
  if (result.code !== 0) throw new Error(`plan exited ${result.code}:\n${result.stderr}`);
  return planDir;
}
