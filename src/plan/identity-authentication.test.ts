import { describe, expect, it } from 'vitest';
import { authenticationFor } from './identity-authentication.js';
import { certificate } from './manifest.fixture.js';

const ca = 'ca0123456789';
const caIssued = (id: string, commonName: string, extra = {}) =>
  certificate(id, { issuer: { kind: 'registered-ca', caCertificateId: ca }, subjectCommonName: commonName, ...extra });

describe('authenticationFor', () => {
  it('registers an AWS-issued certificate by its SHA-256 thumbprint, as primary and secondary, and flags its CN', () => {
    const cert = certificate('c1', { things: ['t1'] });
    const decision = authenticationFor('t1', [cert], new Set([ca]));
    expect(decision.authentication).toEqual({
      type: 'selfSigned',
      primaryThumbprint: cert.thumbprints.sha256,
      secondaryThumbprint: cert.thumbprints.sha256,
    });
    expect(decision.flags).toEqual(['certificate-cn-not-device-id']);
    expect(decision.certificates).toEqual([
      { certificateId: 'c1', sha256Thumbprint: cert.thumbprints.sha256, subjectCommonName: 'AWS IoT Certificate', issuer: 'aws', notAfter: '2030-01-01T00:00:00.000Z' },
    ]);
  });

  it('uses CA authentication when the certificate chains to a registered CA and names the device', () => {
    const decision = authenticationFor('t1', [caIssued('c1', 't1')], new Set([ca]));
    expect(decision.authentication).toEqual({ type: 'certificateAuthority', caCertificateIds: [ca] });
    expect(decision.flags).toEqual([]);
  });

  it('falls back to thumbprints when the CA-issued CN is not the device ID, or the CA is not registered', () => {
    expect(authenticationFor('t1', [caIssued('c1', 'other')], new Set([ca])).authentication.type).toBe('selfSigned');
    expect(authenticationFor('t1', [caIssued('c1', 't1')], new Set()).authentication.type).toBe('selfSigned');
  });

  it('registers the newest two ACTIVE certificates and ignores inactive ones', () => {
    const old = certificate('old', { validity: { notBefore: '2024-01-01T00:00:00Z', notAfter: '2029-01-01T00:00:00Z' } });
    const mid = certificate('mid', { validity: { notBefore: '2025-01-01T00:00:00Z', notAfter: '2030-01-01T00:00:00Z' } });
    const recent = certificate('new', { validity: { notBefore: '2026-01-01T00:00:00Z', notAfter: '2031-01-01T00:00:00Z' } });
    const revoked = certificate('rev', { status: 'REVOKED', validity: { notBefore: '2027-01-01T00:00:00Z', notAfter: '2032-01-01T00:00:00Z' } });
    const decision = authenticationFor('t1', [old, revoked, recent, mid, undefined], new Set());
    expect(decision.authentication).toEqual({
      type: 'selfSigned',
      primaryThumbprint: recent.thumbprints.sha256,
      secondaryThumbprint: mid.thumbprints.sha256,
    });
    expect(decision.flags).toEqual(['certificate-cn-not-device-id', 'more-than-two-certificates']);
  });

  it('flags a certificate shared by several things', () => {
    expect(authenticationFor('t1', [certificate('c1', { subjectCommonName: 't1', things: ['t1', 't2'] })], new Set()).flags).toEqual([
      'certificate-shared',
    ]);
  });

  it('falls back to SAS, flagged, without an ACTIVE certificate', () => {
    expect(authenticationFor('t1', [certificate('c1', { status: 'REVOKED' })], new Set())).toEqual({
      authentication: { type: 'sas' },
      certificates: [],
      flags: ['no-active-certificate'],
    });
  });
});
