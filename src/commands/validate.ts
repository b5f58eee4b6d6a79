import type { Command } from 'commander';
import { globalOptionsOf } from './global-options.js';
import { runCommand } from './run-command.js';

export function registerValidateCommand(program: Command): void {
  program
    .command('validate')
    .description('check a hand-edited manifest against its schema')
    .argument('[file]', 'the manifest', 'manifest.json')
    .action(async (file: string, _flags: unknown, command: Command) => {
      await runCommand('validate', globalOptionsOf(command), async ({ emit }) => {
        const { loadManifest } = await import('../manifest/io.js');
        const manifest = await loadManifest(file);
        emit({
          type: 'result',
          command: 'validate',
          lines: [`${file} is a valid manifest (schema version ${manifest.schemaVersion}, ${manifest.things.length} things)`],
        });
        return { counts: { things: manifest.things.length } };
      });
    });
}
