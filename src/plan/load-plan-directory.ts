import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { z } from 'zod';
import { InputError } from '../errors.js';
import { formatIssuePath } from '../manifest/io.js';
import { IdentitiesFileSchema, PlanSchema, type Identity, type Plan } from './schema.js';
import { PLAN_FILE } from './write-plan-directory.js';

export interface LoadedPlan {
  dir: string;
  plan: Plan;
  /** identities.json's devices, sorted by deviceId. */
  identities: Identity[];
}

const MAX_ISSUES_SHOWN = 5;

/**
 * Reads plan/ as apply consumes it: plan.json and the identities file it names, each
 * checked against its schema, so a hand-edited plan that would not work fails here
 * with the file and JSON path, before anything is written anywhere.
 */
export async function loadPlanDirectory(dir: string): Promise<LoadedPlan> {
  const plan = await loadPlanFile(dir);
  const identitiesPath = join(dir, plan.identities.file);
  const identities = parseWith(IdentitiesFileSchema, await readJson(identitiesPath, dir), identitiesPath).devices;
  const seen = new Map<string, number>();
  for (const [index, identity] of identities.entries()) {
    const first = seen.get(identity.deviceId);
    if (first !== undefined) {
      throw new InputError(
        `${identitiesPath}: devices[${index}].deviceId ${JSON.stringify(identity.deviceId)} repeats devices[${first}]; a device ID can be registered once`,
        { hint: 'remove one of them, or plan again' },
      );
    }
    seen.set(identity.deviceId, index);
  }
  return { dir, plan, identities };
}

/** plan.json alone, checked like loadPlanDirectory does, for readers that need no identities (status, report). */
export async function loadPlanFile(dir: string): Promise<Plan> {
  return parseWith(PlanSchema, await readJson(join(dir, PLAN_FILE), dir), join(dir, PLAN_FILE));
}

async function readJson(path: string, dir: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {
      hint: `run \`iotmigrate plan\` to write ${dir}, or pass --plan <dir>`,
      cause: error,
    });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InputError(`${path} is not valid JSON: ${(error as Error).message}`, { hint: 'fix the file, or plan again' });
  }
}

function parseWith<T>(schema: z.ZodType<T>, json: unknown, path: string): T {
  const result = schema.safeParse(json);
  if (result.success) return result.data;
  const issues = result.error.issues;
  const lines = issues.slice(0, MAX_ISSUES_SHOWN).map((issue) => `${formatIssuePath(issue.path)}: ${issue.message}`);
  const more = issues.length > MAX_ISSUES_SHOWN ? `; and ${issues.length - MAX_ISSUES_SHOWN} more` : '';
  throw new InputError(`${path} does not match the plan schema: ${lines.join('; ')}${more}`, {
    hint: 'see `iotmigrate schema plan` for the expected shape, or plan again',
  });
}
