import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { loadOrCreateSandboxCas } from '../sandbox/sandbox-ca.js';

/**
 * The demo calls IoT Hub (azure-iothub) and S3 (@aws-sdk/client-s3) over HTTPS, in
 * process, against servers whose certificates the sandbox CA signs. Node trusts extra
 * CAs only through NODE_EXTRA_CA_CERTS, read once at start-up, and those SDKs build their
 * own agents, so the trust cannot be added later. So the demo makes the sandbox CA
 * first and runs itself again, once, with NODE_EXTRA_CA_CERTS pointing at it, exactly as
 * a user's shell does after `eval "$(iotmigrate sandbox env)"`. The child inherits the
 * terminal (the live view and its keys) and stdout (--json); its exit code is the demo's.
 *
 * Returns undefined when this process already trusts the CA (it is that child), else
 * the child's exit code.
 */
export async function relaunchTrustingSandboxCa(sandboxDir: string, args: readonly string[]): Promise<number | undefined> {
  const cas = await loadOrCreateSandboxCas(sandboxDir);
  if (process.env.NODE_EXTRA_CA_CERTS === cas.rootCaFile) return undefined;
  await writeFile(cas.rootCaFile, cas.root.certificatePem);
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, ...args], {
    stdio: 'inherit',
    env: { ...process.env, NODE_EXTRA_CA_CERTS: cas.rootCaFile },
  });
  // A terminal's Ctrl-C reaches both processes (one process group): the child stops at its
  // next safe point and this one waits for it. A SIGTERM sent to this process alone is passed on.
  const ignore = () => {};
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGINT', ignore);
  process.on('SIGTERM', forward);
  try {
    return await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code, signal) => resolve(code ?? (signal === 'SIGINT' ? 130 : 1)));
    });
  } finally {
    process.off('SIGINT', ignore);
    process.off('SIGTERM', forward);
  }
}
