import { createHash, X509Certificate } from 'node:crypto';

/**
 * What detect derives locally from a certificate's public PEM: the thumbprints IoT Hub
 * registers devices by (computed from the DER, so no extra AWS call) and the common
 * names that decide whether CA-based authentication can work (IoT Hub wants CN = device ID).
 */
export interface CertificateFacts {
  thumbprints: { sha256: string; sha1: string };
  subjectCommonName: string | null;
  issuerCommonName: string | null;
}

export function certificateFactsOf(certificatePem: string): CertificateFacts {
  const certificate = new X509Certificate(certificatePem);
  const der = certificate.raw;
  return {
    thumbprints: {
      sha256: createHash('sha256').update(der).digest('hex').toUpperCase(),
      sha1: createHash('sha1').update(der).digest('hex').toUpperCase(),
    },
    subjectCommonName: commonNameOf(certificate.subject),
    issuerCommonName: commonNameOf(certificate.issuer),
  };
}

/** Node prints a distinguished name one `KEY=value` per line; the last CN is the most specific. */
function commonNameOf(distinguishedName: string): string | null {
  const names = distinguishedName
    .split('\n')
    .filter((line) => line.startsWith('CN='))
    .map((line) => line.slice(3));
  return names.at(-1) ?? null;
}
