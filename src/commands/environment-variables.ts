import type { EventEmitter } from 'node:events';
import type { Command, Option } from 'commander';

const FALSY = new Set(['', '0', 'false', 'no', 'off']);

/**
 * Every flag can also come from the environment: global flags as IOTMIGRATE_<FLAG>,
 * command flags as IOTMIGRATE_<COMMAND>_<FLAG> (the top-level command's name), e.g.
 * IOTMIGRATE_JSON=1, IOTMIGRATE_DETECT_OUT=manifest.json, IOTMIGRATE_SANDBOX_STATE_DIR=...
 * A flag given on the command line wins. Boolean variables set to 0/false/no are off.
 *
 * Names are derived here, once, rather than spelled at every option. commander wires an
 * option's environment listener when the option is added, so each option is added again
 * after its variable is set (in the same order, so help reads the same).
 */
export function bindEnvironmentVariables(program: Command): void {
  const visit = (command: Command, prefix: string) => {
    const options = command.options as Option[];
    const original = options.splice(0, options.length);
    for (const option of original) {
      // commander's own --version / --help keep their built-in handlers untouched.
      if (option.envVar || option.long === '--version' || option.long === '--help') {
        options.push(option);
        continue;
      }
      const flag = (option.long ?? option.short ?? '').replace(/^-+/, '');
      const name = `${prefix}${flag}`.replace(/-/g, '_').toUpperCase();
      option.env(name);
      const isBoolean = !option.required && !option.optional;
      if (isBoolean && name in process.env && FALSY.has(process.env[name]!.toLowerCase())) delete process.env[name];
      const events = command as unknown as EventEmitter;
      events.removeAllListeners(`option:${option.name()}`);
      command.addOption(option);
    }
    for (const sub of command.commands) visit(sub, command === program ? `IOTMIGRATE_${sub.name()}_` : prefix);
  };
  visit(program, 'IOTMIGRATE_');
}
