import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { uniqueLoopbackHost } from '../support/loopback.js';
import { CLI, cleanEnv } from '../support/run-cli.js';

/**
 * The demo on a real pseudo-terminal (util-linux `script`), keys typed as a person would:
 * `p` during the canary holds the next wave, the view says so, `p` again lets the rollout
 * finish. This is the whole wiring: the key in the relaunched demo's live view, the
 * command's RolloutControl, the rollout stage waiting between waves.
 */
const hasScript = spawnSync('script', ['--version']).status === 0;

describe.skipIf(!hasScript)('the demo on a terminal', () => {
  it('pauses the rollout before its next wave on p, and resumes on p', async () => {
    const work = await mkdtemp(join(tmpdir(), 'iotmigrate-demo-tty-'));
    const host = uniqueLoopbackHost();
    let hubHost = uniqueLoopbackHost();
    while (hubHost === host) hubHost = uniqueLoopbackHost();
    const quote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;
    const args = [process.execPath, CLI, 'demo', '--devices', '60', '--state-dir', join(work, 'demo'), '--host', host, '--hub-host', hubHost];
    const child = spawn('script', ['--quiet', '--return', '--command', `stty cols 100 rows 40 && ${args.map(quote).join(' ')}`, '/dev/null'], {
      env: cleanEnv(),
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => (text += stripVTControlCharacters(chunk.toString()).replaceAll('\r', '')));
    const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 1)));
    const waitFor = async (pattern: RegExp, timeoutMs: number) => {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(text)) {
        if (Date.now() > deadline) throw new Error(`no ${pattern} on the terminal within ${timeoutMs} ms:\n${text.slice(-3000)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };

    await waitFor(/canary: AWS IoT job \S+ created/, 90_000);
    child.stdin.write('p');
    await waitFor(/paused — press p to resume/, 10_000);
    // Held: the canary may finish, but no second job is created while paused.
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    expect(text).not.toMatch(/wave-2: AWS IoT job \S+ created/);
    child.stdin.write('p');
    await waitFor(/wave-2: AWS IoT job \S+ created/, 30_000);
    child.stdin.end();

    expect(await exited).toBe(0);
    expect(text).toMatch(/Demo: 60 of 60 devices moved/);
    expect(text).toMatch(/✔ demo finished in [\d.]+ s/);
  }, 180_000);
});
