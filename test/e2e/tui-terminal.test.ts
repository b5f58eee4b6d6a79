import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane, type ControlPlane } from '../../src/sandbox/aws/control-plane/start-control-plane.js';
import { EstateStore } from '../../src/sandbox/aws/estate-store.js';
import { seedAwsEstate } from '../../src/sandbox/aws/seed-estate.js';
import { createCertificateAuthority } from '../../src/sandbox/pki.js';
import { uniqueLoopbackHost } from '../support/loopback.js';
import { CLI, cleanEnv } from '../support/run-cli.js';

/**
 * The built CLI on a real pseudo-terminal (util-linux `script`), as a user at a terminal
 * runs it: the live view is chosen by itself, draws to the terminal, and lets the
 * process exit when the command is done, with the result path printed after the view.
 */
const MANIFEST = fileURLToPath(new URL('../fixtures/plan/seeded-manifest.json', import.meta.url));
const hasScript = spawnSync('script', ['--version']).status === 0;

let dir: string;
let controlPlane: ControlPlane;

/** Runs the CLI in a 100×40 terminal; the text is what the terminal received, escapes removed. */
function runOnTerminal(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; text: string }> {
  const quote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;
  const command = `stty cols 100 rows 40 && ${[process.execPath, CLI, ...args].map(quote).join(' ')}`;
  const child = spawn('script', ['--quiet', '--return', '--command', command, '/dev/null'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  let raw = '';
  child.stdout.on('data', (chunk: Buffer) => (raw += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, text: stripVTControlCharacters(raw).replaceAll('\r', '') }));
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iotmigrate-tui-'));
  const estate = await seedAwsEstate({
    things: 40,
    seed: 3,
    region: 'us-east-1',
    awsIssuer: await createCertificateAuthority('Amazon RSA 2048 M01'),
    registeredCa: await createCertificateAuthority('Fleet Root CA'),
    devicesDir: await mkdtemp(join(dir, 'devices-')),
    anomalies: true,
  });
  const host = uniqueLoopbackHost();
  controlPlane = await startControlPlane({ store: EstateStore.inMemory(estate), host, port: 0, dataEndpointHost: host, apiRate: 10 });
});

afterAll(async () => {
  await controlPlane?.close();
  await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!hasScript)('the live view on a terminal', () => {
  it('draws detect live: stage, counts, what is throttled; then the result, and exits', async () => {
    const out = join(dir, 'detect', 'manifest.json');
    const env = cleanEnv({
      AWS_ENDPOINT_URL_IOT: controlPlane.url,
      AWS_ENDPOINT_URL_IOT_DATA_PLANE: controlPlane.url,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'AKIASANDBOX000000000',
      AWS_SECRET_ACCESS_KEY: 'sandbox-secret-access-key',
      AWS_CONFIG_FILE: join(dir, 'no-aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-aws-credentials'),
    });
    const { code, text } = await runOnTerminal(['detect', '--out', out], env);
    expect(code).toBe(0);
    expect(text).toContain('iotmigrate detect │ Reading the AWS IoT estate in us-east-1');
    expect(text).toMatch(/things {2,}█*░+ +\d+\/40 /);
    expect(text).toContain('⏳ paced by throttling:');
    expect(text).toContain('? help · q detach · ctrl-c stop');
    expect(text).toMatch(/✔ things {2,}40\/40 · /);
    expect(text).toMatch(/✔ detect finished in [\d.]+ s\n+\S*manifest\.json\n*$/);
    expect(text).not.toContain('ERROR');
  });

  it('draws plan, which has a stage and no counts, and exits', async () => {
    const out = join(dir, 'plan');
    const { code, text } = await runOnTerminal(['plan', '--manifest', MANIFEST, '--out', out], cleanEnv());
    expect(code).toBe(0);
    expect(text).toContain('iotmigrate plan │ Planning the Azure side');
    expect(text).toContain('▸ Planning the Azure side');
    expect(text).toContain('Rollout:');
    expect(text.trimEnd().endsWith(`✔ plan finished in ${/finished in ([\d.]+ s)/.exec(text)?.[1]}\n${out}`)).toBe(true);
  });
});
