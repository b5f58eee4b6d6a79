import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { globalOptionsOf } from './global-options.js';
import { runCommand } from './run-command.js';

interface DemoFlags {
  devices: string;
  stateDir?: string;
  keep?: boolean;
  host: string;
  hubHost: string;
}

const MAX_DEVICES = 10_000;

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('the whole migration on a local sandbox: a simulated fleet moves from AWS IoT Core to Azure IoT Hub')
    .option('--devices <n>', `simulated devices (1-${MAX_DEVICES})`, '100')
    .option('--state-dir <dir>', 'where the sandbox, manifest, plan, apply state and report go (default: a new temporary directory)')
    .option('--keep', 'leave the sandbox running afterwards, detached, to explore with the other commands')
    .option('--host <address>', 'loopback address of the AWS half of the sandbox', '127.0.0.1')
    .option('--hub-host <address>', 'loopback address of the IoT Hub (ports 443 and 8883: needs root or CAP_NET_BIND_SERVICE)', '127.0.0.2')
    .addHelpText(
      'after',
      `
Starts the sandbox with N simulated devices running the AWS flavour of the thermostat
firmware, detects the estate, plans with the firmware rewritten for IoT Hub (a small
canary, short retry cool-downs), applies every stage without asking, writes the HTML
report and prints its path. The sandbox stops at the end unless --keep.`,
    )
    .action(async (flags: DemoFlags, command: Command) => {
      const devices = Number(flags.devices);
      if (!Number.isInteger(devices) || devices < 1 || devices > MAX_DEVICES) {
        throw new UsageError(`--devices must be a whole number from 1 to ${MAX_DEVICES}, got "${flags.devices}"`);
      }
      const stateDir = resolve(flags.stateDir ?? (await mkdtemp(join(tmpdir(), 'iotmigrate-demo-'))));
      const [{ relaunchTrustingSandboxCa }, { demoPaths }, { readRunningSandbox }] = await Promise.all([
        import('../demo/relaunch-trusting-ca.js'),
        import('../demo/demo-paths.js'),
        import('../sandbox/runtime-record.js'),
      ]);
      const kept = await readRunningSandbox(demoPaths(stateDir).sandbox);
      if (kept) {
        throw new UsageError(`a sandbox kept by an earlier demo is still running from ${demoPaths(stateDir).sandbox} (pid ${kept.pid})`, {
          hint: `stop it with \`iotmigrate sandbox down --state-dir ${demoPaths(stateDir).sandbox}\`, or give the demo another --state-dir`,
        });
      }
      // The later --state-dir wins, so the child works in the directory chosen here.
      const relaunched = await relaunchTrustingSandboxCa(demoPaths(stateDir).sandbox, [...process.argv.slice(2), '--state-dir', stateDir]);
      if (relaunched !== undefined) {
        process.exitCode = relaunched;
        return;
      }
      await runCommand('demo', globalOptionsOf(command), async ({ emit, signal, control }) => {
        const { runDemo } = await import('../demo/run-demo.js');
        const result = await runDemo({ devices, stateDir, keep: flags.keep === true, host: flags.host, hubHost: flags.hubHost, emit, signal, control });
        emit({ type: 'result', command: 'demo', path: result.reportPath, lines: result.lines });
        return { exitCode: result.exitCode, counts: result.counts, fleet: result.fleet };
      });
    });
}
