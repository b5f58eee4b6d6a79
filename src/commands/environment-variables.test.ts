import { Command, Option } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { bindEnvironmentVariables } from './environment-variables.js';

function program(onAction: (flags: Record<string, unknown>) => void): Command {
  const root = new Command('iotmigrate').option('--json').exitOverride();
  root
    .command('detect')
    .option('--out <file>', 'out', 'manifest.json')
    .option('--no-shadows')
    .addOption(new Option('--repo <dir>').argParser((value: string, previous: string[] = []) => [...previous, value]).default([]))
    .action((flags: Record<string, unknown>, command: Command) => onAction({ ...command.optsWithGlobals(), ...flags }));
  bindEnvironmentVariables(root);
  return root;
}

const set: string[] = [];
function env(name: string, value: string) {
  process.env[name] = value;
  set.push(name);
}
afterEach(() => {
  for (const name of set.splice(0)) delete process.env[name];
});

async function parse(args: string[]): Promise<Record<string, unknown>> {
  let seen: Record<string, unknown> = {};
  await program((flags) => (seen = flags)).parseAsync(['node', 'iotmigrate', ...args]);
  return seen;
}

describe('bindEnvironmentVariables', () => {
  it('takes command flags from IOTMIGRATE_<COMMAND>_<FLAG> and global ones from IOTMIGRATE_<FLAG>', async () => {
    env('IOTMIGRATE_DETECT_OUT', 'fleet.json');
    env('IOTMIGRATE_JSON', '1');
    env('IOTMIGRATE_DETECT_NO_SHADOWS', 'yes');
    expect(await parse(['detect'])).toMatchObject({ out: 'fleet.json', json: true, shadows: false });
  });

  it('lets the command line win and reads 0/false/no as off', async () => {
    env('IOTMIGRATE_DETECT_OUT', 'fleet.json');
    env('IOTMIGRATE_JSON', 'false');
    expect(await parse(['detect', '--out', 'cli.json'])).toMatchObject({ out: 'cli.json', shadows: true });
    expect((await parse(['detect'])).json).toBeUndefined();
  });

  it('keeps repeatable flags collecting each value once', async () => {
    expect((await parse(['detect', '--repo', 'a', '--repo', 'b'])).repo).toEqual(['a', 'b']);
  });
});
