import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/program.js';
import { commandLineProblems, iotmigrateCommandLines } from '../support/workflow-commands.js';

/**
 * docs/ci-github-actions.yml is copied into users' repositories as it is, so every
 * iotmigrate command line in it must be one the CLI accepts: the commands, flags and
 * choices it uses are checked against the real commander program (without running it).
 */
const WORKFLOW = readFileSync(new URL('../../docs/ci-github-actions.yml', import.meta.url), 'utf8');

describe('docs/ci-github-actions.yml', () => {
  const commands = iotmigrateCommandLines(WORKFLOW);

  it('runs detect, plan, apply, report and status, each in CI mode where it streams events', () => {
    const names = commands.map((args) => args[0]);
    expect(new Set(names)).toEqual(new Set(['detect', 'plan', 'apply', 'report', 'status']));
    for (const args of commands.filter((command) => command[0] !== 'status')) expect(args).toContain('--json');
    expect(commands.find((args) => args[0] === 'apply')).toContain('--yes');
  });

  it.each(iotmigrateCommandLines(WORKFLOW).map((args) => [args.join(' '), args]))('iotmigrate %s is a valid command line', (_line, args) => {
    expect(commandLineProblems(buildProgram(), args as string[])).toEqual([]);
  });

  it('keeps apply behind a protected environment, with OIDC for both clouds and the plan as a reviewed artifact', () => {
    expect(WORKFLOW).toMatch(/\n {4}environment: fleet-migration\n/);
    expect(WORKFLOW).toContain('id-token: write');
    expect(WORKFLOW).toContain('aws-actions/configure-aws-credentials@v4');
    expect(WORKFLOW).toContain('azure/login@v2');
    expect(WORKFLOW).toContain('name: iotmigrate-plan');
    expect(WORKFLOW).toContain('terraform apply -input=false');
    expect(WORKFLOW).not.toMatch(/aws-access-key-id|aws-secret-access-key|client-secret/);
  });
});

describe('the command-line checker', () => {
  it('reads commands across pipes, braces, continuations and redirections', () => {
    const workflow = [
      '        run: |',
      '          # iotmigrate commented --out',
      '          set -o pipefail',
      '          iotmigrate plan --json \\',
      '            --hub-name "${{ vars.HUB }}" | tee plan.ndjson',
      "          { echo '```'; iotmigrate status --state-dir s; } >> \"$GITHUB_STEP_SUMMARY\"",
      '          iotmigrate report --format csv --out r.csv > events.ndjson',
    ].join('\n');
    expect(iotmigrateCommandLines(workflow)).toEqual([
      ['plan', '--json', '--hub-name', '${{ vars.HUB }}'],
      ['status', '--state-dir', 's'],
      ['report', '--format', 'csv', '--out', 'r.csv'],
    ]);
  });

  it('finds unknown commands and options, bad choices and missing mandatory options', () => {
    expect(commandLineProblems(buildProgram(), ['deploy'])).toEqual(['no such command: deploy']);
    expect(commandLineProblems(buildProgram(), ['apply', '--yes', '--bogus'])).toEqual(['iotmigrate apply: unknown option --bogus']);
    expect(commandLineProblems(buildProgram(), ['report', '--format', 'pdf'])[0]).toMatch(/^iotmigrate report: .*pdf.*/);
    expect(commandLineProblems(buildProgram(), ['report', '--out', 'r.html'])).toEqual(['iotmigrate report: missing -f, --format <format>']);
    expect(commandLineProblems(buildProgram(), ['sandbox', 'up', '--json'])).toEqual([]);
  });
});
