import { resourceNotFound } from './aws-error.js';
import type { ControlPlaneContext } from './control-plane-context.js';
import { booleanParam, optionalParam, pageSizeParam, type ControlPlaneRequest } from './control-plane-request.js';
import { pageOf } from './pagination.js';
import type { Route } from './route-table.js';

const MAX_CERTIFICATES_PAGE = 250;

/**
 * Device certificates and registered CA certificates. Both list by creation date,
 * newest first unless `isAscendingOrder=true`, as AWS does; the paging key is the
 * creation date (zero-padded so keys sort as strings) followed by the certificate ID.
 */
export function certificateRoutes(context: ControlPlaneContext): Route[] {
  const { store, views } = context;

  const creationKey = (certificate: { creationDate: number; certificateId: string }) =>
    `${String(certificate.creationDate).padStart(16, '0')}/${certificate.certificateId}`;
  const idOfKey = (key: string) => key.slice(key.indexOf('/') + 1);
  const sortedKeys = (view: string, certificates: () => { creationDate: number; certificateId: string }[], ascending: boolean) =>
    views.get(`${view}:${ascending ? 'ascending' : 'descending'}`, () => {
      const keys = certificates().map(creationKey).sort();
      return ascending ? keys : keys.reverse();
    });

  const listCertificates = (request: ControlPlaneRequest) => {
    const ascending = booleanParam(request, 'isAscendingOrder') ?? false;
    const page = pageOf({
      scope: 'ListCertificates',
      token: optionalParam(request, 'marker'),
      limit: pageSizeParam(request, 'pageSize', MAX_CERTIFICATES_PAGE),
      keys: sortedKeys('certificates', () => Object.values(store.estate.certificates), ascending),
      descending: !ascending,
      select: (key) => {
        const certificate = store.estate.certificates[idOfKey(key)]!;
        return {
          certificateArn: certificate.certificateArn,
          certificateId: certificate.certificateId,
          status: certificate.status,
          certificateMode: certificate.certificateMode,
          creationDate: certificate.creationDate,
        };
      },
    });
    return { certificates: page.items, nextMarker: page.nextToken };
  };

  const describeCertificate = (request: ControlPlaneRequest) => {
    const certificateId = request.params.certificateId!;
    const certificate = store.certificateById(certificateId);
    if (!certificate) throw resourceNotFound(`The certificate ${certificateId} does not exist`);
    return {
      certificateDescription: {
        certificateArn: certificate.certificateArn,
        certificateId: certificate.certificateId,
        caCertificateId: certificate.caCertificateId,
        status: certificate.status,
        certificatePem: certificate.certificatePem,
        ownedBy: certificate.ownedBy,
        creationDate: certificate.creationDate,
        lastModifiedDate: certificate.lastModifiedDate,
        validity: { notBefore: certificate.notBefore, notAfter: certificate.notAfter },
        certificateMode: certificate.certificateMode,
      },
    };
  };

  const listCaCertificates = (request: ControlPlaneRequest) => {
    const ascending = booleanParam(request, 'isAscendingOrder') ?? false;
    // Provisioning templates are not emulated, so no CA is associated with one.
    const templateName = optionalParam(request, 'templateName');
    const page = pageOf({
      scope: 'ListCACertificates',
      token: optionalParam(request, 'marker'),
      limit: pageSizeParam(request, 'pageSize', MAX_CERTIFICATES_PAGE),
      keys: templateName === undefined ? sortedKeys('ca-certificates', () => Object.values(store.estate.caCertificates), ascending) : [],
      descending: !ascending,
      select: (key) => {
        const ca = store.estate.caCertificates[idOfKey(key)]!;
        return { certificateArn: ca.certificateArn, certificateId: ca.certificateId, status: ca.status, creationDate: ca.creationDate };
      },
    });
    return { certificates: page.items, nextMarker: page.nextToken };
  };

  const describeCaCertificate = (request: ControlPlaneRequest) => {
    const certificateId = request.params.certificateId!;
    const ca = store.estate.caCertificates[certificateId];
    if (!ca) throw resourceNotFound(`The CA certificate ${certificateId} does not exist`);
    return {
      certificateDescription: {
        certificateArn: ca.certificateArn,
        certificateId: ca.certificateId,
        status: ca.status,
        certificatePem: ca.certificatePem,
        ownedBy: ca.ownedBy,
        creationDate: ca.creationDate,
        autoRegistrationStatus: ca.autoRegistrationStatus,
        // The estate never modifies a registered CA after registering it.
        lastModifiedDate: ca.creationDate,
        validity: { notBefore: ca.notBefore, notAfter: ca.notAfter },
        certificateMode: ca.certificateMode,
      },
    };
  };

  return [
    { operation: 'ListCertificates', method: 'GET', path: '/certificates', handler: listCertificates },
    { operation: 'DescribeCertificate', method: 'GET', path: '/certificates/{certificateId}', handler: describeCertificate },
    { operation: 'ListCACertificates', method: 'GET', path: '/cacertificates', handler: listCaCertificates },
    { operation: 'DescribeCACertificate', method: 'GET', path: '/cacertificate/{certificateId}', handler: describeCaCertificate },
  ];
}
