import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { certificateIdOf, createCertificateAuthority, issueCertificate, pemToDer, type CertificateAuthority } from '../sandbox/pki.js';
import { certificateFactsOf } from './certificate-facts.js';

let ca: CertificateAuthority;
beforeAll(async () => {
  ca = await createCertificateAuthority('Fleet Root CA');
});

describe('certificateFactsOf', () => {
  it('computes upper-case SHA-256 and SHA-1 thumbprints of the DER', async () => {
    const { certificatePem } = await issueCertificate(ca, { commonName: 'thermostat-00001', usage: 'client' });
    const facts = certificateFactsOf(certificatePem);
    // AWS's certificate ID is the same SHA-256, in lower case.
    expect(facts.thumbprints.sha256).toBe(certificateIdOf(certificatePem).toUpperCase());
    expect(facts.thumbprints.sha1).toBe(createHash('sha1').update(pemToDer(certificatePem)).digest('hex').toUpperCase());
    expect(facts.thumbprints.sha256).toMatch(/^[0-9A-F]{64}$/);
    expect(facts.thumbprints.sha1).toMatch(/^[0-9A-F]{40}$/);
  });

  it('reads the subject and issuer common names', async () => {
    const { certificatePem } = await issueCertificate(ca, { commonName: 'gateway-00042', usage: 'client' });
    expect(certificateFactsOf(certificatePem)).toMatchObject({
      subjectCommonName: 'gateway-00042',
      issuerCommonName: 'Fleet Root CA',
    });
  });

  it('reads a self-signed CA as its own issuer', () => {
    expect(certificateFactsOf(ca.certificatePem)).toMatchObject({
      subjectCommonName: 'Fleet Root CA',
      issuerCommonName: 'Fleet Root CA',
    });
  });
});
