import type { Certificate } from '../manifest/schema.js';
import type { IdentityAuthentication, IdentityCertificate, IdentityFlag } from './schema.js';

/**
 * How a device proves who it is on IoT Hub, keeping the certificate it already has:
 * - certificateAuthority when every ACTIVE certificate was issued by a CA registered in
 *   the AWS account (which the owner can register on the hub and prove possession of)
 *   and names the device ID as its CN, which CA authentication requires;
 * - selfSigned (thumbprint) otherwise, with the SHA-256 thumbprints of the certificates
 *   the device uses: the newest as primary, the next (or the same again) as secondary;
 * - sas only when the device has no ACTIVE certificate: a flagged fallback whose keys
 *   apply generates.
 */
export interface AuthenticationDecision {
  authentication: IdentityAuthentication;
  certificates: IdentityCertificate[];
  flags: IdentityFlag[];
}

export function authenticationFor(
  deviceId: string,
  certificates: readonly (Certificate | undefined)[],
  registeredCaIds: ReadonlySet<string>,
): AuthenticationDecision {
  const active = certificates
    .filter((certificate): certificate is Certificate => certificate?.status === 'ACTIVE')
    .sort(
      (a, b) =>
        Date.parse(b.validity.notBefore) - Date.parse(a.validity.notBefore) ||
        (a.certificateId < b.certificateId ? -1 : a.certificateId > b.certificateId ? 1 : 0),
    );
  if (active.length === 0) return { authentication: { type: 'sas' }, certificates: [], flags: ['no-active-certificate'] };

  const flags = new Set<IdentityFlag>();
  const caIssued = active.every(
    (certificate) =>
      certificate.issuer.kind === 'registered-ca' &&
      registeredCaIds.has(certificate.issuer.caCertificateId) &&
      certificate.subjectCommonName === deviceId,
  );
  if (caIssued) {
    const caCertificateIds = [...new Set(active.map((certificate) => (certificate.issuer as { caCertificateId: string }).caCertificateId))].sort();
    if (active.some((certificate) => certificate.things.length > 1)) flags.add('certificate-shared');
    return { authentication: { type: 'certificateAuthority', caCertificateIds }, certificates: active.map(describe), flags: [...flags].sort() };
  }

  const used = active.slice(0, 2);
  if (active.length > 2) flags.add('more-than-two-certificates');
  if (used.some((certificate) => certificate.subjectCommonName !== deviceId)) flags.add('certificate-cn-not-device-id');
  if (used.some((certificate) => certificate.things.length > 1)) flags.add('certificate-shared');
  return {
    authentication: {
      type: 'selfSigned',
      primaryThumbprint: used[0]!.thumbprints.sha256,
      // The same value twice when there is one certificate: the portal and some Edge
      // paths expect both thumbprints set.
      secondaryThumbprint: (used[1] ?? used[0]!).thumbprints.sha256,
    },
    certificates: used.map(describe),
    flags: [...flags].sort(),
  };
}

function describe(certificate: Certificate): IdentityCertificate {
  return {
    certificateId: certificate.certificateId,
    sha256Thumbprint: certificate.thumbprints.sha256,
    subjectCommonName: certificate.subjectCommonName,
    issuer: certificate.issuer.kind,
    notAfter: certificate.validity.notAfter,
  };
}
