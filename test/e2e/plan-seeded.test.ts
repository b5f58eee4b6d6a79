import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SIZING_ASSUMPTIONS } from '../../src/plan/build-plan.js';
import { DEFAULT_ROLLOUT_LIMITS } from '../../src/plan/rollout-limits.js';
import { runPlan } from '../../src/plan/run-plan.js';
import { IdentitiesFileSchema, PlanSchema, type Identity, type Plan } from '../../src/plan/schema.js';
import { DEFAULT_WAVE_SETTINGS } from '../../src/plan/waves.js';
import { CLASSIC_SHADOW } from '../../src/sandbox/aws/estate.js';
import { detectSeededEstate, type SeededManifest } from '../fixtures/plan/detect-seeded-estate.js';

/**
 * sandbox → detect → plan, as a user runs them, and the identities checked against what
 * each device holds: the thumbprint is recomputed here from the certificate file the
 * seed gave the device, not taken from AWS or the manifest.
 */
let dir: string;
let seeded: SeededManifest;
let plan: Plan;
let identities: Map<string, Identity>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iotmigrate-plan-seeded-'));
  seeded = await detectSeededEstate({ dir, things: 30, seed: 11 });
  await runPlan({
    manifestPath: seeded.manifestPath,
    outDir: join(dir, 'plan'),
    ...DEFAULT_SIZING_ASSUMPTIONS,
    waves: DEFAULT_WAVE_SETTINGS,
    rollout: DEFAULT_ROLLOUT_LIMITS,
    caVerified: false,
  });
  plan = PlanSchema.parse(JSON.parse(await readFile(join(dir, 'plan', 'plan.json'), 'utf8')));
  const file = IdentitiesFileSchema.parse(JSON.parse(await readFile(join(dir, 'plan', 'identities.json'), 'utf8')));
  identities = new Map(file.devices.map((identity) => [identity.thingName, identity]));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function deviceCertificate(thingName: string): Promise<X509Certificate | undefined> {
  const pem = await readFile(join(seeded.devicesDir, thingName, 'certificate.pem.crt'), 'utf8').catch(() => undefined);
  return pem === undefined ? undefined : new X509Certificate(pem);
}

const thumbprintOf = (certificate: X509Certificate) => certificate.fingerprint256.replace(/:/g, '');

describe('plan on a seeded sandbox estate', () => {
  it('gives every thing an identity under its AWS name', () => {
    expect([...identities.keys()].sort()).toEqual(Object.keys(seeded.estate.things).sort());
    for (const identity of identities.values()) expect(identity.deviceId).toBe(identity.thingName);
  });

  it('registers AWS-issued devices by the SHA-256 thumbprint of the certificate on the device', async () => {
    let checked = 0;
    for (const identity of identities.values()) {
      const certificate = await deviceCertificate(identity.thingName);
      if (!certificate || !certificate.subject.includes('CN=AWS IoT Certificate')) continue;
      if (identity.authentication.type === 'sas') continue; // its only certificate was revoked
      expect(identity.authentication).toEqual({
        type: 'selfSigned',
        primaryThumbprint: thumbprintOf(certificate),
        secondaryThumbprint: thumbprintOf(certificate),
      });
      expect(identity.flags).toContain('certificate-cn-not-device-id');
      checked += 1;
    }
    expect(checked).toBeGreaterThan(15);
  });

  it('uses CA authentication for devices whose certificate comes from the registered CA with their ID as CN', async () => {
    const caId = Object.keys(seeded.estate.caCertificates)[0]!;
    let checked = 0;
    for (const identity of identities.values()) {
      const certificate = await deviceCertificate(identity.thingName);
      if (!certificate || !certificate.issuer.includes('CN=Fleet Root CA')) continue;
      expect(certificate.subject).toContain(`CN=${identity.deviceId}`);
      expect(identity.authentication).toEqual({ type: 'certificateAuthority', caCertificateIds: [caId] });
      expect(identity.certificates[0]!.sha256Thumbprint).toBe(thumbprintOf(certificate));
      checked += 1;
    }
    expect(checked).toBeGreaterThan(3);
    expect(plan.certificateAuthorities).toMatchObject([{ caCertificateId: caId, devices: checked, verified: false }]);
  });

  it('falls back to SAS, flagged, for the thing without a certificate and the one whose certificate is revoked', () => {
    const sas = [...identities.values()].filter((identity) => identity.authentication.type === 'sas').map((identity) => identity.thingName);
    const revoked = Object.values(seeded.estate.certificates).find((certificate) => certificate.status === 'REVOKED')!;
    const revokedThing = Object.entries(seeded.estate.thingPrincipals).find(([, arns]) => arns.includes(revoked.certificateArn))![0];
    const certificateless = Object.keys(seeded.estate.things).filter((name) => !seeded.estate.thingPrincipals[name]);
    expect(sas.sort()).toEqual([...certificateless, revokedThing].sort());
    for (const name of sas) expect(plan.notMigrated).toContainEqual(expect.objectContaining({ subject: name, reason: 'no-active-certificate' }));
    expect(plan.waves.list.flatMap((wave) => wave.deviceIds)).not.toContain(sas[0]);
  });

  it('flags the thing that shares its neighbour\u2019s certificate', () => {
    const shared = [...identities.values()].filter((identity) => identity.flags.includes('certificate-shared'));
    expect(shared).toHaveLength(2);
    expect(shared[0]!.authentication).toEqual(shared[1]!.authentication);
  });

  it('seeds twins from the registry and the shadows, and keeps reported state for the record', () => {
    for (const identity of identities.values()) {
      const thing = seeded.estate.things[identity.thingName]!;
      const shadows = seeded.estate.shadows[identity.thingName]!;
      expect(identity.twin.tags).toMatchObject({ thingType: thing.thingTypeName, attributes: thing.attributes });
      expect(identity.twin.tags.groups).toHaveProperty(`site-${thing.attributes.site}`, true);
      expect(identity.twin.tags.groups).toHaveProperty('all-sites', true);
      expect(identity.twin.desired).toEqual({ ...shadows[CLASSIC_SHADOW]!.state.desired, config: shadows.config!.state.desired });
      expect(identity.reportedAtSource).toEqual({
        classic: shadows[CLASSIC_SHADOW]!.state.reported,
        named: { config: shadows.config!.state.reported },
      });
    }
  });

  it('reports the republish rule as untranslatable and routes the others', () => {
    const byRule = Object.fromEntries(plan.routing.rules.map((rule) => [rule.ruleName, rule.actions.map((action) => action.status)]));
    expect(byRule).toEqual({
      archive_to_s3: ['approximate'],
      mirror_commands: ['untranslatable'],
      overheat_alerts: ['approximate', 'approximate'],
      telemetry_to_kinesis: ['approximate'],
    });
  });

  it('never writes a private key into the plan', async () => {
    for (const file of ['plan.json', 'identities.json', 'terraform/cdk.tf.json']) {
      expect(await readFile(join(dir, 'plan', file), 'utf8')).not.toMatch(/PRIVATE KEY/);
    }
  });
});
