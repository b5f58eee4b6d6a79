import { createHash } from 'node:crypto';
import type { EstateStore } from '../estate-store.js';

/**
 * AWS IoT's check of a device's mutual-TLS connection against the registry: the client
 * certificate must be registered and ACTIVE, within its validity, and attached to the
 * thing the MQTT client ID names (the fleet policy's `${iot:Connection.Thing.ThingName}`).
 * No CA chain is involved, as for any registered certificate. Returns why the device is
 * refused, or undefined when it may connect; `now` is epoch seconds.
 */
export function deviceConnectRefusal(
  store: EstateStore,
  clientId: string,
  certificateDer: Buffer | undefined,
  now: number,
): string | undefined {
  if (!certificateDer) return 'no client certificate';
  // The certificate ID is the SHA-256 of the DER, as pki.certificateIdOf derives it from PEM.
  const certificateId = createHash('sha256').update(certificateDer).digest('hex');
  const certificate = store.certificateById(certificateId);
  if (!certificate) return `certificate ${certificateId} is not registered`;
  if (certificate.status !== 'ACTIVE') return `certificate ${certificateId} is ${certificate.status}`;
  if (now < certificate.notBefore || now > certificate.notAfter) return `certificate ${certificateId} is outside its validity`;
  // The client ID comes off the wire before authentication: an own-property check keeps
  // names like `constructor` from reaching Object.prototype.
  const principals = Object.hasOwn(store.estate.thingPrincipals, clientId) ? store.estate.thingPrincipals[clientId] : undefined;
  if (!principals?.includes(certificate.certificateArn)) return `certificate ${certificateId} is not attached to thing ${clientId}`;
  return undefined;
}
