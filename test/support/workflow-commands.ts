import { CommanderError, type Command } from 'commander';

/**
 * The `iotmigrate ...` command lines of a CI workflow, as argument lists: comment lines
 * dropped, backslash continuations joined, a line split into simple commands at
 * `|`, `;`, `&&`, `||` and braces, each command ended by its first redirection. Quotes are
 * removed; a `${{ ... }}` expression stays one word.
 */
export function iotmigrateCommandLines(workflow: string): string[][] {
  const lines = workflow
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'));
  const commands: string[][] = [];
  for (const line of lines) {
    for (const words of simpleCommands(line)) if (words[0] === 'iotmigrate') commands.push(words.slice(1));
  }
  return commands;
}

function simpleCommands(line: string): string[][] {
  const commands: string[][] = [[]];
  let redirected = false;
  let word: string | null = null;
  const endWord = () => {
    if (word !== null && !redirected) commands.at(-1)!.push(word);
    word = null;
  };
  const endCommand = () => {
    endWord();
    commands.push([]);
    redirected = false;
  };
  for (let i = 0; i < line.length; i += 1) {
    const char = line[i]!;
    if (line.startsWith('${{', i)) {
      const end = line.indexOf('}}', i);
      word = (word ?? '') + line.slice(i, end + 2);
      i = end + 1;
    } else if (char === "'" || char === '"') {
      const end = line.indexOf(char, i + 1);
      word = (word ?? '') + line.slice(i + 1, end);
      i = end;
    } else if (/\s/.test(char)) endWord();
    else if (char === '|' || char === ';' || char === '&') endCommand();
    else if (char === '>' || char === '<') {
      endWord();
      redirected = true;
    } else if ((char === '{' || char === '}') && word === null && /\s|$/.test(line[i + 1] ?? '')) endCommand();
    else word = (word ?? '') + char;
  }
  endWord();
  return commands.filter((words) => words.length > 0);
}

/**
 * What is wrong with `args` as a command line of `program`, without running it: an
 * unknown (sub)command, an option the command does not have, a value outside an
 * option's choices, a missing mandatory option, too many arguments.
 */
export function commandLineProblems(program: Command, args: readonly string[]): string[] {
  silence(program);
  const globals = new Set(program.options.flatMap((option) => [option.long, option.short]).filter(Boolean));
  let command = program;
  let rest = [...args];
  while (rest.length > 0 && !rest[0]!.startsWith('-')) {
    const sub = command.commands.find((candidate) => candidate.name() === rest[0] || candidate.aliases().includes(rest[0]!));
    if (!sub) break;
    command = sub;
    rest = rest.slice(1);
  }
  if (command === program) return [`no such command: ${args[0] ?? '(none)'}`];
  const name = commandPath(command);
  try {
    const { operands, unknown } = command.parseOptions(rest.filter((arg) => !globals.has(arg)));
    const problems = unknown.filter((arg) => arg.startsWith('-')).map((arg) => `${name}: unknown option ${arg}`);
    const positional = command.registeredArguments;
    if (!positional.at(-1)?.variadic && operands.length > positional.length) problems.push(`${name}: unexpected arguments ${operands.slice(positional.length).join(' ')}`);
    for (const option of command.options) {
      if (option.mandatory && command.getOptionValue(option.attributeName()) === undefined) problems.push(`${name}: missing ${option.flags}`);
    }
    return problems;
  } catch (error) {
    if (error instanceof CommanderError) return [`${name}: ${error.message}`];
    throw error;
  }
}

function silence(command: Command): void {
  command.configureOutput({ writeErr: () => {}, writeOut: () => {} });
  command.exitOverride();
  for (const sub of command.commands) silence(sub);
}

function commandPath(command: Command): string {
  const names: string[] = [];
  for (let current: Command | null = command; current; current = current.parent) names.unshift(current.name());
  return names.join(' ');
}
