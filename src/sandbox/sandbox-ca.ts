import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createCertificateAuthority, loadCertificateAuthority, type CertificateAuthority } from './pki.js';

/**
 * The sandbox's certificate authorities, kept in `<state-dir>/ca/` so device
 * certificates stay valid across `down` / `up`:
 * - root: signs the sandbox's TLS server certificates; clients trust it through
 *   NODE_EXTRA_CA_CERTS (it stands in for Amazon Root CA 1).
 * - aws-issuer: signs "AWS-issued" device certificates (CreateKeysAndCertificate).
 * - registered-ca: the customer's own CA, registered in the account.
 */
export interface SandboxCas {
  root: CertificateAuthority;
  awsIssuer: CertificateAuthority;
  registeredCa: CertificateAuthority;
  rootCaFile: string;
}

const NAMES = {
  root: 'iotmigrate sandbox root CA',
  awsIssuer: 'iotmigrate sandbox AWS IoT issuing CA',
  registeredCa: 'Example Corp device CA',
} as const;

export async function loadOrCreateSandboxCas(stateDir: string): Promise<SandboxCas> {
  const dir = join(stateDir, 'ca');
  await mkdir(dir, { recursive: true });
  const load = async (key: keyof typeof NAMES): Promise<CertificateAuthority> => {
    const certFile = join(dir, `${key}.pem`);
    const keyFile = join(dir, `${key}.key`);
    try {
      return await loadCertificateAuthority(await readFile(certFile, 'utf8'), await readFile(keyFile, 'utf8'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      const ca = await createCertificateAuthority(NAMES[key]);
      await writeFile(keyFile, ca.privateKeyPem, { mode: 0o600 });
      await writeFile(certFile, ca.certificatePem);
      return ca;
    }
  };
  return {
    root: await load('root'),
    awsIssuer: await load('awsIssuer'),
    registeredCa: await load('registeredCa'),
    rootCaFile: join(dir, 'root.pem'),
  };
}
