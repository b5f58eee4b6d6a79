import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { uniqueLoopbackHost } from '../support/loopback.js';
import { CLI, cleanEnv } from '../support/run-cli.js';

/**
 * The README's commands are the first thing a newcomer runs, so they are run here as
 * written. A ```sh block right under a `<!-- readme-test: NAME -->` line is run line by
 * line in one bash (so `eval "$(…)"` carries on to the next line), in a fresh directory
 * where `fixtures/` is the package's, with `npx iotmigrate` being this build; every
 * line must exit 0. `npm ci` and `npm test` are left out: they are what CI itself runs.
 * Each run gets loopback addresses of its own through the IOTMIGRATE_* variables, so it
 * does not fight other test files for the sandbox's ports.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const README = await readFile(join(ROOT, 'README.md'), 'utf8');

interface ReadmeBlock {
  name: string;
  commands: string[];
}

function testedBlocks(markdown: string): ReadmeBlock[] {
  return [...markdown.matchAll(/<!-- readme-test: ([\w-]+) -->\n```sh\n([\s\S]*?)```/g)].map((match) => ({
    name: match[1]!,
    commands: match[2]!
      .split('\n')
      .map((line) => line.replace(/\s+#.*$/, '').trim())
      .filter((line) => line !== '' && !line.startsWith('#') && !/^npm (ci|test)\b/.test(line)),
  }));
}

interface CommandRun {
  command: string;
  exitCode: number;
  output: string;
}

/** Runs the commands in one bash, in order, and says how each ended and what it printed. */
async function runInOneShell(commands: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<CommandRun[]> {
  const shims = join(cwd, '.bin');
  await mkdir(shims, { recursive: true });
  await writeFile(join(shims, 'iotmigrate'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
  await chmod(join(shims, 'iotmigrate'), 0o755);
  const script = [
    // npx would look the package up; the shim is the package as built.
    'npx() { "$@"; }',
    ...commands.flatMap((command, index) => [`echo "::begin ${index}"`, `${command} 2>&1`, `echo "::end ${index} $?"`]),
  ].join('\n');
  const child = spawn('bash', ['-c', script], { cwd, env: { ...env, PATH: `${shims}:${env.PATH}` }, stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await new Promise((resolve) => child.on('close', resolve));
  return commands.map((command, index) => {
    const section = new RegExp(`::begin ${index}\\n([\\s\\S]*?)::end ${index} (\\d+)`).exec(output);
    return { command, exitCode: section ? Number(section[2]) : -1, output: section?.[1] ?? output.slice(-2000) };
  });
}

async function freshDirectory(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'iotmigrate-readme-'));
  await symlink(join(ROOT, 'fixtures'), join(dir, 'fixtures'));
  return dir;
}

function loopbackPair(): [string, string] {
  const host = uniqueLoopbackHost();
  let hubHost = uniqueLoopbackHost();
  while (hubHost === host) hubHost = uniqueLoopbackHost();
  return [host, hubHost];
}

const blocks = testedBlocks(README);
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

describe('README commands', () => {
  it('marks the quick start and the sandbox walkthrough for this test', () => {
    expect(blocks.map((block) => block.name)).toEqual(['quick-start', 'walkthrough']);
    expect(blocks[0]!.commands).toContain('npx iotmigrate demo');
  });

  for (const block of blocks) {
    it(`runs the ${block.name} as written, every command exiting 0`, async () => {
      const dir = await freshDirectory();
      const [host, hubHost] = loopbackPair();
      const env = cleanEnv({
        IOTMIGRATE_SANDBOX_HOST: host,
        IOTMIGRATE_SANDBOX_HUB_HOST: hubHost,
        IOTMIGRATE_DEMO_HOST: host,
        IOTMIGRATE_DEMO_HUB_HOST: hubHost,
        // The README's demo moves 100 devices; 20 show the same in a fifth of the time.
        IOTMIGRATE_DEMO_DEVICES: '20',
        IOTMIGRATE_DEMO_STATE_DIR: join(dir, 'demo'),
      });
      // A failed walkthrough must not leave its sandbox running.
      cleanups.push(() => runInOneShell(['npx iotmigrate sandbox down'], dir, env));
      const runs = await runInOneShell(block.commands, dir, env);
      for (const run of runs) expect({ command: run.command, exitCode: run.exitCode, output: run.exitCode === 0 ? '' : run.output }).toEqual({ command: run.command, exitCode: 0, output: '' });
    }, 300_000);
  }

  it('exercises every iotmigrate command the README shows, here or in another end-to-end test', async () => {
    const shown = new Set(
      [...README.matchAll(/```(\w*)\n([\s\S]*?)```/g)]
        .filter((match) => match[1] === '' || match[1] === 'sh')
        .flatMap((match) => [...match[2]!.matchAll(/\biotmigrate ([a-z]+)/g)].map((command) => command[1]!)),
    );
    const run = new Set(blocks.flatMap((block) => block.commands.flatMap((command) => [...command.matchAll(/\biotmigrate ([a-z]+)/g)].map((match) => match[1]!))));
    const e2e = await Promise.all(
      (await readdir(join(ROOT, 'test/e2e'))).filter((file) => file.endsWith('.test.ts')).map((file) => readFile(join(ROOT, 'test/e2e', file), 'utf8')),
    );
    const untested = [...shown].filter((command) => !run.has(command) && !e2e.some((source) => source.includes(`['${command}'`)));
    expect(untested).toEqual([]);
  });
});
