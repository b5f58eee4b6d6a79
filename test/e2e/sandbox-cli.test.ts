import { access, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseManifest } from '../../src/manifest/io.js';
import { uniqueLoopbackHost } from '../support/loopback.js';
import { cleanEnv, runCli, startCli } from '../support/run-cli.js';

/**
 * The README's path for a new user, as separate processes: `sandbox up --detach`,
 * `eval "$(sandbox env)"`, `detect`, `sandbox down`, and a detect killed mid-run.
 */
describe('sandbox lifecycle and detect through the CLI', () => {
  const host = uniqueLoopbackHost();
  let hubHost = uniqueLoopbackHost();
  while (hubHost === host) hubHost = uniqueLoopbackHost();
  let work: string;
  let stateDir: string;
  let sandboxEnv: Record<string, string>;

  const envFromExports = (text: string): Record<string, string> =>
    Object.fromEntries(
      [...text.matchAll(/^export (\w+)='((?:[^']|'\\'')*)'$/gm)].map((match) => [match[1]!, match[2]!.replace(/'\\''/g, "'")]),
    );

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'iotmigrate-sbx-'));
    stateDir = join(work, 'state');
    const up = await runCli(['sandbox', 'up', '--things', '200', '--detach', '--no-fleet', '--state-dir', stateDir, '--host', host, '--hub-host', hubHost, '--api-rate', '100']);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stderr).toContain('with 200 things');
    const env = await runCli(['sandbox', 'env', '--state-dir', stateDir]);
    expect(env.code).toBe(0);
    sandboxEnv = envFromExports(env.stdout);
  }, 120_000);

  afterAll(async () => {
    await runCli(['sandbox', 'down', '--state-dir', stateDir]);
  });

  it('prints the environment that points the SDKs at the sandbox', () => {
    expect(sandboxEnv).toMatchObject({
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL_IOT: `http://${host}:4566`,
      AWS_ENDPOINT_URL_IOT_DATA_PLANE: `http://${host}:4566`,
    });
    expect(sandboxEnv.AWS_ACCESS_KEY_ID).toBeTruthy();
    expect(sandboxEnv.NODE_EXTRA_CA_CERTS).toBe(join(stateDir, 'ca', 'root.pem'));
    expect(sandboxEnv.IOTHUB_HOSTNAME).toBe(hubHost);
    expect(sandboxEnv.IOTHUB_CONNECTION_STRING).toMatch(new RegExp(`^HostName=${hubHost.replace(/\./g, '\\.')};SharedAccessKeyName=iothubowner;SharedAccessKey=`));
  });

  it('reports status with its endpoints and limits', async () => {
    const status = await runCli(['sandbox', 'status', '--state-dir', stateDir]);
    expect(status.stdout).toMatch(/^running \(pid \d+\)/);
    expect(status.stdout).toContain('answering');
    expect(status.stdout).toContain('MQTT 3.1.1 only');
    const json = await runCli(['sandbox', 'status', '--state-dir', stateDir, '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ running: true, things: 200, answering: { api: true, mqtt: true } });
  });

  it('detect writes a manifest of all 200 things with certificates, groups, rules and shadows', async () => {
    const out = join(work, 'manifest.json');
    const result = await runCli(['detect', '--out', out], { env: cleanEnv(sandboxEnv), cwd: work });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe(out);
    const manifest = parseManifest(JSON.parse(await readFile(out, 'utf8')));
    expect(manifest.things).toHaveLength(200);
    expect(manifest.certificates.length).toBeGreaterThanOrEqual(197);
    expect(manifest.thingGroups.map((group) => group.groupName)).toContain('firmware-1.0');
    expect(manifest.topicRules).toHaveLength(4);
    expect(manifest.things.every((thing) => thing.shadows.length === 2)).toBe(true);
    await expect(access(join(work, '.manifest.json.checkpoint.json'))).rejects.toThrow();
  });

  it('resumes a detect that was killed mid-run and produces the same manifest', async () => {
    const complete = join(work, 'complete.json');
    const fresh = await runCli(['detect', '--out', complete, '--no-resume'], { env: cleanEnv(sandboxEnv), cwd: work });
    expect(fresh.code, fresh.stderr).toBe(0);

    const out = join(work, 'resumed.json');
    const checkpoint = join(work, '.resumed.json.checkpoint.json');
    const child = startCli(['detect', '--out', out], { env: cleanEnv(sandboxEnv), cwd: work });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    for (let waited = 0; waited < 60_000; waited += 50) {
      if (await access(checkpoint).then(() => true, () => false)) break;
      await sleep(50);
    }
    child.kill('SIGKILL');
    await exited;
    await expect(access(checkpoint)).resolves.toBeUndefined();
    await expect(access(out)).rejects.toThrow();

    const resumed = await runCli(['detect', '--out', out, '--resume'], { env: cleanEnv(sandboxEnv), cwd: work });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(await readFile(out, 'utf8')).toBe(await readFile(complete, 'utf8'));
  });

  it('keeps the estate across down and up, and leaves nothing running after down', async () => {
    const before = JSON.parse((await runCli(['sandbox', 'status', '--state-dir', stateDir, '--json'])).stdout) as { pid: number };
    const down = await runCli(['sandbox', 'down', '--state-dir', stateDir]);
    expect(down.stderr).toContain(`sandbox stopped (pid ${before.pid})`);
    expect(() => process.kill(before.pid, 0)).toThrow();
    const stopped = await runCli(['sandbox', 'status', '--state-dir', stateDir]);
    expect(stopped.stdout).toMatch(/^stopped/);
    const env = await runCli(['sandbox', 'env', '--state-dir', stateDir]);
    expect(env.code).toBe(2);
    expect(env.stderr).toContain('sandbox up --detach');

    const again = await runCli(['sandbox', 'up', '--things', '5', '--detach', '--no-fleet', '--state-dir', stateDir, '--host', host, '--hub-host', hubHost]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('with 200 things');
  }, 60_000);
});
