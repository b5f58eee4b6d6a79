import {
  DescribeCACertificateCommand,
  DescribeCertificateCommand,
  paginateListCACertificates,
  paginateListCertificates,
  type IoTClient,
} from '@aws-sdk/client-iot';
import { LIST_PAGE_SIZE } from './aws-list-page-size.js';
import { isResourceNotFound } from './aws-failures.js';
import type { CaCertificateReading, CertificateReading } from './estate-readings.js';

/** Device certificate IDs, a page at a time. */
export async function* listCertificateIds(client: IoTClient): AsyncGenerator<string[]> {
  for await (const page of paginateListCertificates({ client, pageSize: LIST_PAGE_SIZE }, {})) {
    yield (page.certificates ?? []).flatMap((certificate) => (certificate.certificateId ? [certificate.certificateId] : []));
  }
}

/** The public PEM and status; thumbprints are computed locally from the PEM. Null when the certificate is gone. */
export async function describeCertificate(client: IoTClient, certificateId: string): Promise<CertificateReading | null> {
  try {
    const { certificateDescription: certificate } = await client.send(new DescribeCertificateCommand({ certificateId }));
    if (!certificate?.certificatePem || !certificate.status) return null;
    return {
      certificateId,
      certificateArn: certificate.certificateArn ?? '',
      status: certificate.status,
      certificatePem: certificate.certificatePem,
      caCertificateId: certificate.caCertificateId ?? null,
      notBefore: isoOrEmpty(certificate.validity?.notBefore),
      notAfter: isoOrEmpty(certificate.validity?.notAfter),
      certificateMode: certificate.certificateMode ?? null,
    };
  } catch (error) {
    if (isResourceNotFound(error)) return null;
    throw error;
  }
}

/** CA certificates registered in the account, a page at a time. */
export async function* listCaCertificateIds(client: IoTClient): AsyncGenerator<string[]> {
  for await (const page of paginateListCACertificates({ client, pageSize: LIST_PAGE_SIZE }, {})) {
    yield (page.certificates ?? []).flatMap((certificate) => (certificate.certificateId ? [certificate.certificateId] : []));
  }
}

/** Null when the CA certificate is gone. */
export async function describeCaCertificate(client: IoTClient, certificateId: string): Promise<CaCertificateReading | null> {
  try {
    const { certificateDescription: ca } = await client.send(new DescribeCACertificateCommand({ certificateId }));
    if (!ca?.certificatePem) return null;
    return {
      certificateId,
      certificateArn: ca.certificateArn ?? '',
      status: ca.status === 'INACTIVE' ? 'INACTIVE' : 'ACTIVE',
      certificatePem: ca.certificatePem,
      autoRegistrationStatus: ca.autoRegistrationStatus ?? null,
    };
  } catch (error) {
    if (isResourceNotFound(error)) return null;
    throw error;
  }
}

function isoOrEmpty(date: Date | undefined): string {
  return date ? date.toISOString() : '';
}
