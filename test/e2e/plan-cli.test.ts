import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.js';

/** `iotmigrate plan` as users run it: the built CLI in a child process. */
const MANIFEST = fileURLToPath(new URL('../fixtures/plan/seeded-manifest.json', import.meta.url));
const FIRMWARE_REPO = fileURLToPath(new URL('../../fixtures/firmware-repos/thermostat-v2', import.meta.url));

let dir: string;
let manifestText: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iotmigrate-plan-cli-'));
  manifestText = await readFile(MANIFEST, 'utf8');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function filesUnder(root: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const walk = async (current: string): Promise<void> => {
    for (const entry of await readdir(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) await walk(path);
      else files.set(relative(root, path), await readFile(path, 'utf8'));
    }
  };
  await walk(root);
  return files;
}

describe('iotmigrate plan', () => {
  it('prints the plan directory on stdout and a review summary on stderr', async () => {
    const out = join(dir, 'first');
    const result = await runCli(['plan', '--manifest', MANIFEST, '--out', out]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${out}\n`);
    for (const heading of ['Plan: 24 things', 'Terraform (', 'IoT Hub: S1 × 1 unit', 'Routing (', 'Identities (', 'Rollout:', 'Not migrated (', 'Next: terraform']) {
      expect(result.stderr).toContain(heading);
    }
    expect(result.stderr).toContain('AWS-issued, CN "AWS IoT Certificate"');
    expect(result.stderr.split('\n').length).toBeLessThan(60);
    expect([...(await filesUnder(out)).keys()].sort()).toEqual(['identities.json', 'plan.json', 'terraform/cdk.tf.json']);
  });

  it('leaves nothing but the plan directory behind in the working directory', async () => {
    const cwd = await mkdtemp(join(dir, 'cwd-'));
    const result = await runCli(['plan', '--manifest', MANIFEST], { cwd });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('plan\n');
    expect(await readdir(cwd)).toEqual(['plan']);
  });

  it('writes byte-identical plans on re-runs, also in place over an earlier plan', async () => {
    const a = join(dir, 'same-a');
    const b = join(dir, 'same-b');
    expect((await runCli(['plan', '--manifest', MANIFEST, '--out', a])).code).toBe(0);
    expect((await runCli(['plan', '--manifest', MANIFEST, '--out', b])).code).toBe(0);
    const first = await filesUnder(a);
    expect(await filesUnder(b)).toEqual(first);
    expect((await runCli(['plan', '--manifest', MANIFEST, '--out', a])).code).toBe(0);
    expect(await filesUnder(a)).toEqual(first);
  });

  it('keeps Terraform state and anything else added to the plan directory when re-planning', async () => {
    const out = join(dir, 'with-state');
    expect((await runCli(['plan', '--manifest', MANIFEST, '--out', out])).code).toBe(0);
    await writeFile(join(out, 'terraform', 'terraform.tfstate'), '{"version":4}');
    await writeFile(join(out, 'terraform', '.terraform.lock.hcl'), '# lock');
    const result = await runCli(['plan', '--manifest', MANIFEST, '--out', out, '--sku', 'S2']);
    expect(result.code).toBe(0);
    const files = await filesUnder(out);
    expect(files.get('terraform/terraform.tfstate')).toBe('{"version":4}');
    expect(files.get('terraform/.terraform.lock.hcl')).toBe('# lock');
    expect(JSON.parse(files.get('plan.json')!).azure.sku).toBe('S2');
    expect((await readdir(dir)).filter((name) => name.includes('.staging-'))).toEqual([]);
  });

  it('follows the sizing, naming and rollout flags', async () => {
    const out = join(dir, 'flags');
    const result = await runCli([
      'plan',
      ...['--manifest', MANIFEST, '--out', out],
      ...['--hub-name', 'contoso-fleet', '--location', 'westeurope', '--resource-group', 'rg-fleet'],
      ...['--sku', 'S1', '--units', '3', '--ca-verified'],
      ...['--canary-percent', '10', '--canary-minimum', '2', '--wave-growth', '3', '--wave-cap', '6'],
      ...['--max-per-minute', '100', '--abort-threshold', '5', '--abort-min-executed', '3', '--in-progress-timeout', '60', '--retries', '0'],
    ]);
    expect(result.code).toBe(0);
    const plan = JSON.parse(await readFile(join(out, 'plan.json'), 'utf8'));
    expect(plan.azure).toMatchObject({ hubName: 'contoso-fleet', location: 'westeurope', resourceGroup: 'rg-fleet', sku: 'S1', units: 3 });
    expect(plan.waves.list.map((wave: { deviceIds: string[] }) => wave.deviceIds.length)).toEqual([3, 6, 6, 6, 1]);
    expect(plan.rollout).toMatchObject({
      maximumPerMinute: 100,
      abort: { thresholdPercentage: 5, minimumExecutedThings: 3 },
      inProgressTimeoutMinutes: 60,
      retries: { numberOfRetries: 0 },
    });
    expect(plan.certificateAuthorities[0].verified).toBe(true);
    const terraform = JSON.parse(await readFile(join(out, 'terraform', 'cdk.tf.json'), 'utf8'));
    expect(terraform.resource.azurerm_iothub.hub).toMatchObject({ name: 'contoso-fleet', sku: { name: 'S1', capacity: 3 } });
  });

  it('reads its flags from IOTMIGRATE_PLAN_* variables', async () => {
    const out = join(dir, 'from-env');
    const { cleanEnv } = await import('../support/run-cli.js');
    const result = await runCli(['plan'], {
      env: cleanEnv({ IOTMIGRATE_PLAN_MANIFEST: MANIFEST, IOTMIGRATE_PLAN_OUT: out, IOTMIGRATE_PLAN_SKU: 'S3' }),
    });
    expect(result.code).toBe(0);
    expect(JSON.parse(await readFile(join(out, 'plan.json'), 'utf8')).azure.sku).toBe('S3');
  });

  it('streams a result event with the plan directory under --json', async () => {
    const out = join(dir, 'json');
    const result = await runCli(['--json', 'plan', '--manifest', MANIFEST, '--out', out]);
    expect(result.code).toBe(0);
    const events = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string; path?: string });
    expect(events.find((event) => event.type === 'result')).toMatchObject({ path: out });
    expect(events.at(-1)).toMatchObject({ type: 'summary', command: 'plan', exitCode: 0 });
  });

  it('rewrites a firmware repo into the plan, leaving the repo as it was', async () => {
    const out = join(dir, 'firmware');
    const signingKey = join(dir, 'firmware-keys', 'signing-key.pem');
    const before = await filesUnder(FIRMWARE_REPO);
    const planFirmware = ['plan', '--manifest', MANIFEST, '--out', out, '--firmware-repo', FIRMWARE_REPO, '--signing-key', signingKey];
    const result = await runCli(planFirmware);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/Firmware \(.*firmware\): .*thermostat-v2: \d+ files rewritten for IoT Hub/);
    expect(result.stderr).toContain(`New firmware signing key: ${signingKey} (ed25519, mode 0600`);
    expect(result.stderr).toContain('the IAM role arn:aws:iam::123456789012:role/iotmigrate-ota-presign must exist');
    expect(await filesUnder(FIRMWARE_REPO)).toEqual(before);

    const files = await filesUnder(out);
    const report = JSON.parse(files.get('rewrite-report.json')!) as { repo: string; files: { path: string; status: string }[] };
    expect(report.repo).toBe(FIRMWARE_REPO);
    const rewritten = report.files.filter((file) => file.status === 'rewritten').map((file) => file.path);
    expect(rewritten.length).toBeGreaterThan(0);
    // The whole firmware, rewritten files with their new text: what apply bundles and devices run.
    expect([...files.keys()].filter((path) => path.startsWith('firmware/')).sort()).toEqual([...before.keys()].map((path) => `firmware/${path}`).sort());
    for (const path of rewritten) expect(files.get(`firmware/${path}`)).not.toBe(before.get(path));
    for (const path of before.keys()) if (!rewritten.includes(path)) expect(files.get(`firmware/${path}`)).toBe(before.get(path));
    const plan = JSON.parse(files.get('plan.json')!);
    const { keyIdOf, readSigningKey } = await import('../../src/ota/signing-key.js');
    const key = (await readSigningKey(signingKey))!;
    expect(plan.firmware).toMatchObject({
      status: 'planned',
      repo: FIRMWARE_REPO,
      directory: 'firmware',
      report: 'rewrite-report.json',
      version: '1.0.0-azure',
      entryPoint: 'src/main.ts',
      bundle: { bucket: 'iotmigrate-firmware-123456789012-us-east-1', key: `iotmigrate/${plan.azure.hubName}/firmware-1.0.0-azure.tar.gz` },
      signing: { keyId: keyIdOf(key.publicKey), publicKeyPem: key.publicKeyPem },
      presignRoleArn: 'arn:aws:iam::123456789012:role/iotmigrate-ota-presign',
    });
    expect(plan.firmware.files.rewritten).toBe(rewritten.length);
    expect((await stat(signingKey)).mode & 0o777).toBe(0o600);
    expect([...files.values()].some((text) => text.includes('PRIVATE KEY'))).toBe(false);

    const again = await runCli(planFirmware);
    expect(again.code).toBe(0);
    expect(again.stderr).not.toContain('New firmware signing key');
    expect(await filesUnder(out)).toEqual(files);
    expect((await runCli(['plan', '--manifest', MANIFEST, '--out', out])).code).toBe(0);
    expect([...(await filesUnder(out)).keys()].sort()).toEqual(['identities.json', 'plan.json', 'terraform/cdk.tf.json']);
  });

  it('prints the plan and identities JSON Schemas', async () => {
    const plan = await runCli(['schema', 'plan']);
    expect(plan.code).toBe(0);
    expect(Object.keys(JSON.parse(plan.stdout).properties)).toEqual(
      expect.arrayContaining(['schemaVersion', 'azure', 'stages', 'identities', 'waves', 'rollout', 'notMigrated', 'firmware']),
    );
    const identities = await runCli(['schema', 'identities']);
    expect(identities.stdout).toContain('"certificateAuthority"');
  });
});

describe('iotmigrate plan on bad input', () => {
  const cases: [string, () => Promise<string>, RegExp][] = [
    ['a missing manifest', async () => join(dir, 'nowhere.json'), /cannot read manifest .*nowhere\.json: ENOENT/],
    ['malformed JSON', async () => write('malformed.json', '{ "schemaVersion": 1, things: [] }'), /malformed\.json is not valid JSON/],
    ['a truncated manifest', async () => write('truncated.json', manifestText.slice(0, manifestText.length / 2)), /truncated\.json is not valid JSON/],
    [
      'a manifest from a future version',
      async () => write('future.json', JSON.stringify({ ...JSON.parse(manifestText), schemaVersion: 2 })),
      /future\.json does not match the manifest schema: schemaVersion: /,
    ],
    [
      'wrong field types',
      async () => {
        const manifest = JSON.parse(manifestText);
        manifest.things[3].attributes = 'site=berlin';
        manifest.certificates[1].thumbprints.sha256 = 42;
        return write('types.json', JSON.stringify(manifest));
      },
      /types\.json does not match the manifest schema: things\[3\]\.attributes: .*certificates\[1\]\.thumbprints\.sha256: /,
    ],
  ];

  async function write(name: string, content: string): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, content);
    return path;
  }

  it.each(cases)('exits 2 on %s, names the problem and leaves no plan behind', async (_name, makeManifest, message) => {
    const parent = await mkdtemp(join(dir, 'bad-'));
    const out = join(parent, 'plan');
    const result = await runCli(['plan', '--manifest', await makeManifest(), '--out', out]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout).toBe('');
    expect(await readdir(parent)).toEqual([]);
  });

  it.each([
    [['--sku', 'S9'], /argument 'S9' is invalid/],
    [['--units', 'two'], /--units must be a whole number above 0, got "two"/],
    [['--retries', '11'], /--retries must be a whole number from 0 to 10/],
    [['--max-per-minute', '5000'], /--max-per-minute must be a whole number from 1 to 1000/],
    [['--hub-name', 'x'], /--hub-name "x" is not valid/],
    [['--sku', 'S3', '--units', '11'], /S3 has at most 10 units/],
    [['--firmware-repo', 'no/such/repo'], /Firmware repo no\/such\/repo does not exist/],
    [['--firmware-repo', FIRMWARE_REPO, '--firmware-version', 'v 2'], /--firmware-version "v 2" is not usable/],
    [['--firmware-repo', FIRMWARE_REPO, '--firmware-entry', 'src/nope.ts'], /--firmware-entry src\/nope.ts is not a file of the firmware/],
    [['--firmware-repo', FIRMWARE_REPO, '--firmware-bucket', 'Bad_Bucket'], /--firmware-bucket "Bad_Bucket" is not a valid S3 bucket name/],
    [['--firmware-repo', FIRMWARE_REPO, '--presign-role-arn', 'role'], /--presign-role-arn "role" is not an IAM role ARN/],
  ])('exits 2 on the flags %j and writes nothing', async (flags, message) => {
    const parent = await mkdtemp(join(dir, 'flags-'));
    // A refused plan makes no signing key either.
    const result = await runCli(['plan', '--manifest', MANIFEST, '--out', join(parent, 'plan'), '--signing-key', join(parent, 'key.pem'), ...flags]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(await readdir(parent)).toEqual([]);
  });

  it('refuses to write into a directory that is not a plan', async () => {
    const out = join(dir, 'not-a-plan');
    await mkdir(out);
    await writeFile(join(out, 'notes.txt'), 'mine');
    const result = await runCli(['plan', '--manifest', MANIFEST, '--out', out]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('is not an iotmigrate plan directory');
    expect(await readdir(out)).toEqual(['notes.txt']);
  });
});
