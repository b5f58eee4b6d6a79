import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanEnv, runCli } from '../support/run-cli.js';

describe('the iotmigrate CLI', () => {
  it('prints help with every command and the global flags', async () => {
    const result = await runCli(['--help']);
    expect(result.code).toBe(0);
    for (const word of ['sandbox', 'detect', 'validate', 'schema', '--json', '--verbose', '--no-tui']) {
      expect(result.stdout).toContain(word);
    }
  });

  it('shows where each flag can come from in the environment', async () => {
    const result = await runCli(['detect', '--help']);
    expect(result.stdout).toContain('env: IOTMIGRATE_DETECT_OUT');
  });

  it('rejects an unknown flag with exit 2 and one clear line', async () => {
    const result = await runCli(['detect', '--bogus']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown option '--bogus'");
  });

  it('reads flags from IOTMIGRATE_* variables and validates them', async () => {
    const result = await runCli(['detect'], { env: cleanEnv({ IOTMIGRATE_DETECT_CONCURRENCY: 'many' }) });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--concurrency must be a whole number');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('prints the manifest and event JSON Schemas', async () => {
    const manifest = await runCli(['schema', 'manifest']);
    expect(manifest.code).toBe(0);
    const schema = JSON.parse(manifest.stdout) as { properties: Record<string, unknown> };
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['schemaVersion', 'things', 'certificates']));
    const events = await runCli(['schema', 'events']);
    expect(events.stdout).toContain('"summary"');
    const unknown = await runCli(['schema', 'plan9']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('choose one of: manifest, events');
  });

  it('points at the JSON path of what is wrong in an edited manifest', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'iotmigrate-cli-'));
    const file = join(dir, 'manifest.json');
    await writeFile(file, JSON.stringify({ schemaVersion: 1, source: { region: 'us-east-1' }, things: [{ thingName: '' }] }));
    const result = await runCli(['validate', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/things\[0\]\.thingName: /);
    expect(result.stderr).toContain('iotmigrate schema manifest');

    await writeFile(file, '{ not json');
    const broken = await runCli(['validate', file]);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain('is not valid JSON');

    const missing = await runCli(['validate', join(dir, 'nope.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('run `iotmigrate detect` first');
  });

  it('fails detect with exit 3 and a next step when there are no credentials', async () => {
    const home = await mkdtemp(join(tmpdir(), 'iotmigrate-home-'));
    const result = await runCli(['detect', '--out', join(home, 'm.json')], {
      env: cleanEnv({ HOME: home, AWS_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true' }),
    });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/credentials/i);
    expect(result.stderr).toContain('sandbox env');
  });

  it('fails detect with exit 3 naming the endpoint when it cannot be reached', async () => {
    const home = await mkdtemp(join(tmpdir(), 'iotmigrate-home-'));
    const result = await runCli(['detect', '--out', join(home, 'm.json'), '--json'], {
      env: cleanEnv({
        HOME: home,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'x',
        AWS_SECRET_ACCESS_KEY: 'y',
        AWS_ENDPOINT_URL_IOT: 'http://127.0.0.1:9',
        AWS_ENDPOINT_URL_IOT_DATA_PLANE: 'http://127.0.0.1:9',
      }),
    });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('127.0.0.1:9');
    const last = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as { type: string; exitCode: number };
    expect(last).toMatchObject({ type: 'summary', exitCode: 3 });
  });
});
