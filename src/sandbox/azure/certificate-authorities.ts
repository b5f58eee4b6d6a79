import { X509Certificate } from 'node:crypto';
import type { RegisteredCertificateAuthority } from './hub-state.js';

// Leaf, a few intermediates, the registered CA: deeper chains are not worth walking.
const MAX_CHAIN_LENGTH = 6;

/**
 * The verified CA that `leaf` chains to, through intermediates the device sent in its
 * handshake, or undefined. Each link must be issued and signed by the next and be
 * within its validity at `now`; only CAs whose proof of possession was done count, as
 * on IoT Hub.
 */
export function issuingCertificateAuthority(
  leaf: X509Certificate,
  presented: readonly X509Certificate[],
  authorities: Iterable<RegisteredCertificateAuthority>,
  now: Date,
): RegisteredCertificateAuthority | undefined {
  const verified = [...authorities].filter((ca) => ca.verified).map((ca) => ({ ca, certificate: new X509Certificate(ca.certificatePem) }));
  let current = leaf;
  for (let length = 1; length <= MAX_CHAIN_LENGTH; length += 1) {
    if (!isValidAt(current, now)) return undefined;
    const registered = verified.find(({ certificate }) => issued(certificate, current) && isValidAt(certificate, now));
    if (registered) return registered.ca;
    const intermediate = presented.find((candidate) => candidate.ca && candidate.fingerprint256 !== current.fingerprint256 && issued(candidate, current));
    if (!intermediate) return undefined;
    current = intermediate;
  }
  return undefined;
}

function issued(issuer: X509Certificate, subject: X509Certificate): boolean {
  return subject.checkIssued(issuer) && subject.verify(issuer.publicKey);
}

export function isValidAt(certificate: X509Certificate, now: Date): boolean {
  return new Date(certificate.validFrom) <= now && now <= new Date(certificate.validTo);
}

/** The subject's common name, the device ID a CA-signed certificate must carry. */
export function commonNameOf(certificate: X509Certificate): string | undefined {
  for (const line of certificate.subject.split('\n')) if (line.startsWith('CN=')) return line.slice(3);
  return undefined;
}
