import type { X509Certificate } from 'node:crypto';
import { commonNameOf, isValidAt, issuingCertificateAuthority } from '../certificate-authorities.js';
import type { HubDevice, RegisteredCertificateAuthority } from '../hub-state.js';
import { parseSasToken, sasTokenRefusal } from '../sas-token.js';

/** What a device presents when it connects: the CONNECT fields and its TLS certificates. */
export interface ConnectAttempt {
  clientId: string;
  username: string | undefined;
  password: Buffer | undefined;
  /** The client certificate, when the device sent one. */
  certificate: X509Certificate | undefined;
  /** The rest of the chain the device sent after its certificate. */
  presentedChain: X509Certificate[];
}

export interface AuthenticationContext {
  hostName: string;
  findDevice(deviceId: string): HubDevice | undefined;
  certificateAuthorities: Iterable<RegisteredCertificateAuthority>;
  now: Date;
}

/**
 * IoT Hub's check of a device's MQTT CONNECT. The client ID is the device ID and the
 * user name `<host>/<deviceId>/?api-version=…`; the device must be registered and
 * enabled and prove itself the way its registration says:
 * - sas: the password is a SAS token for `<host>/devices/<deviceId>`, signed with its
 *   primary or secondary key;
 * - selfSigned: its TLS client certificate has the registered SHA-256 or SHA-1
 *   thumbprint, primary or secondary (the CN is not checked: whether IoT Hub does is
 *   unverified);
 * - certificateAuthority: its certificate's CN is the device ID and it chains to a
 *   verified CA of the hub.
 * Returns why the device is refused, or undefined when it may connect.
 */
export function deviceConnectRefusal(context: AuthenticationContext, attempt: ConnectAttempt): string | undefined {
  const { clientId } = attempt;
  if (clientId.includes('/')) return `client ID '${clientId}' names a module; the sandbox hub registers devices only`;
  const device = context.findDevice(clientId);
  if (!device) return `device '${clientId}' is not registered`;
  const usernameRefusal = checkUsername(attempt.username, clientId, context.hostName);
  if (usernameRefusal) return usernameRefusal;
  if (device.status !== 'enabled') return `device '${clientId}' is disabled`;

  const auth = device.authentication;
  switch (auth.type) {
    case 'sas': {
      if (!attempt.password) return `device '${clientId}' uses SAS authentication and sent no SAS token`;
      const token = parseSasToken(attempt.password.toString('utf8'));
      if (!token) return `the password of '${clientId}' is not a SAS token`;
      const refusal = sasTokenRefusal(
        token,
        `${context.hostName}/devices/${clientId}`,
        [auth.primaryKey, auth.secondaryKey],
        Math.floor(context.now.getTime() / 1000),
      );
      return refusal && `SAS token of '${clientId}' refused: ${refusal}`;
    }
    case 'selfSigned': {
      if (!attempt.certificate) return `device '${clientId}' uses X.509 (thumbprint) authentication and sent no certificate`;
      if (!isValidAt(attempt.certificate, context.now)) return `the certificate of '${clientId}' is outside its validity`;
      const presented = thumbprintsOf(attempt.certificate);
      const registered = [auth.primaryThumbprint, auth.secondaryThumbprint].filter((value): value is string => value !== null).map((value) => value.toUpperCase());
      if (!presented.some((thumbprint) => registered.includes(thumbprint))) {
        return `the certificate of '${clientId}' (SHA-256 ${presented[0]}) matches neither registered thumbprint`;
      }
      return undefined;
    }
    case 'certificateAuthority': {
      if (!attempt.certificate) return `device '${clientId}' uses X.509 (CA) authentication and sent no certificate`;
      const commonName = commonNameOf(attempt.certificate);
      if (commonName !== clientId) return `the certificate's CN '${commonName ?? ''}' is not the device ID '${clientId}'`;
      const ca = issuingCertificateAuthority(attempt.certificate, attempt.presentedChain, context.certificateAuthorities, context.now);
      return ca ? undefined : `the certificate of '${clientId}' does not chain to a verified CA of this hub`;
    }
    case 'none':
      return `device '${clientId}' has no authentication mechanism`;
  }
}

function checkUsername(username: string | undefined, deviceId: string, hostName: string): string | undefined {
  const [host, id] = (username ?? '').split('/');
  if (id !== deviceId) return `user name '${username ?? ''}' does not name device '${deviceId}'`;
  if (host?.replace(/:\d+$/, '').toLowerCase() !== hostName.toLowerCase()) return `user name '${username ?? ''}' is not for hub ${hostName}`;
  return undefined;
}

/** SHA-256 and SHA-1 thumbprints, upper-case hex without colons. */
function thumbprintsOf(certificate: X509Certificate): string[] {
  return [certificate.fingerprint256, certificate.fingerprint].map((fingerprint) => fingerprint.replace(/:/g, '').toUpperCase());
}
