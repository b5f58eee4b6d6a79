import type { Command } from 'commander';

export function registerSchemaCommand(program: Command): void {
  program
    .command('schema')
    .description('print the JSON Schema of a contract')
    .argument('<name>', 'manifest | events')
    .action(async (name: string) => {
      const { printSchema } = await import('./schema-print.js');
      await printSchema(name);
    });
}
