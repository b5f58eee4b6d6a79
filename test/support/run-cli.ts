import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../bin/iotmigrate.js', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Environment without the developer's AWS or iotmigrate settings, and without CI's
 * markers, so the CLI sees what a new user at a terminal sees, in CI as on a laptop.
 */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!/^(AWS_|IOTMIGRATE_|NODE_EXTRA_CA_CERTS$|CI$|CI_|CONTINUOUS_INTEGRATION$)/.test(name)) env[name] = value;
  }
  return { ...env, ...extra };
}

export function startCli(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], {
    env: options.env ?? cleanEnv(),
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function runCli(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<CliResult> {
  const child = startCli(args, options);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}
