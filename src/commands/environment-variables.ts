import type { Command } from 'commander';

const FALSY = new Set(['', '0', 'false', 'no', 'off']);

/**
 * Every flag can also come from the environment: global flags as IOTMIGRATE_<FLAG>,
 * command flags as IOTMIGRATE_<COMMAND>_<FLAG> (the top-level command's name), e.g.
 * IOTMIGRATE_JSON=1, IOTMIGRATE_DETECT_OUT=manifest.json, IOTMIGRATE_SANDBOX_STATE_DIR=...
 * A flag given on the command line wins. Boolean variables set to 0/false/no are off.
 */
export function bindEnvironmentVariables(program: Command): void {
  const visit = (command: Command, prefix: string) => {
    for (const option of command.options) {
      if (option.envVar || option.long === '--version' || option.long === '--help') continue;
      const flag = (option.long ?? option.short ?? '').replace(/^-+/, '');
      const name = `${prefix}${flag}`.replace(/-/g, '_').toUpperCase();
      option.env(name);
      const isBoolean = !option.required && !option.optional;
      if (isBoolean && name in process.env && FALSY.has(process.env[name]!.toLowerCase())) delete process.env[name];
    }
    for (const sub of command.commands) visit(sub, command === program ? `IOTMIGRATE_${sub.name()}_` : prefix);
  };
  visit(program, 'IOTMIGRATE_');
}
