import { createHash } from 'node:crypto';
import type { EstateStore } from '../estate-store.js';

/** A device admitted to the broker, and the thing whose topics it acts for. */
export type DeviceAdmission = { thingName: string } | { refusal: string };

/**
 * AWS IoT's check of a device's mutual-TLS connection against the registry: the client
 * certificate must be registered and ACTIVE, within its validity, and attached to the
 * thing the MQTT client ID names. The common fleet policy allows
 * `client/${iot:Connection.Thing.ThingName}*`, so a device may also open further
 * connections as `<thing>-<suffix>` (an OTA agent beside the firmware, since AWS allows
 * one connection per client ID); each acts with the thing's own topics. No CA chain is
 * involved, as for any registered certificate. `now` is epoch seconds.
 */
export function admitDevice(store: EstateStore, clientId: string, certificateDer: Buffer | undefined, now: number): DeviceAdmission {
  if (!certificateDer) return { refusal: 'no client certificate' };
  // The certificate ID is the SHA-256 of the DER, as pki.certificateIdOf derives it from PEM.
  const certificateId = createHash('sha256').update(certificateDer).digest('hex');
  const certificate = store.certificateById(certificateId);
  if (!certificate) return { refusal: `certificate ${certificateId} is not registered` };
  if (certificate.status !== 'ACTIVE') return { refusal: `certificate ${certificateId} is ${certificate.status}` };
  if (now < certificate.notBefore || now > certificate.notAfter) return { refusal: `certificate ${certificateId} is outside its validity` };
  // Thing names may hold '-' themselves: try the whole client ID, then each prefix ending
  // before a '-', longest first. The client ID comes off the wire before authentication:
  // an own-property check keeps names like `constructor` from reaching Object.prototype.
  for (const thingName of thingNameCandidates(clientId)) {
    const principals = Object.hasOwn(store.estate.thingPrincipals, thingName) ? store.estate.thingPrincipals[thingName] : undefined;
    if (principals?.includes(certificate.certificateArn)) return { thingName };
  }
  return { refusal: `certificate ${certificateId} is not attached to thing ${clientId} (nor to a thing whose name prefixes it before a '-')` };
}

/** `a-b-c` → `a-b-c`, `a-b`, `a`: the things a client ID may connect as. */
export function thingNameCandidates(clientId: string): string[] {
  const candidates = [clientId];
  for (let cut = clientId.lastIndexOf('-'); cut > 0; cut = clientId.lastIndexOf('-', cut - 1)) candidates.push(clientId.slice(0, cut));
  return candidates;
}
