import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { InputError } from '../errors.js';
import { stableStringify, writeFileAtomic } from '../fs/atomic-write.js';
import { ManifestSchema, type Manifest } from './schema.js';

const MAX_ISSUES_SHOWN = 5;

export async function loadManifest(path: string): Promise<Manifest> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read manifest ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`, {
      hint: 'run `iotmigrate detect` first, or pass --manifest <file>',
      cause: error,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InputError(`${path} is not valid JSON: ${(error as Error).message}`, {
      hint: 'fix the file, or write a new one with `iotmigrate detect`',
    });
  }
  return parseManifest(json, path);
}

export function parseManifest(json: unknown, source = 'manifest'): Manifest {
  const result = ManifestSchema.safeParse(json);
  if (result.success) return result.data;
  const issues = result.error.issues;
  const lines = issues.slice(0, MAX_ISSUES_SHOWN).map((issue) => `${formatIssuePath(issue.path)}: ${issue.message}`);
  const more = issues.length > MAX_ISSUES_SHOWN ? `; and ${issues.length - MAX_ISSUES_SHOWN} more` : '';
  throw new InputError(`${source} does not match the manifest schema: ${lines.join('; ')}${more}`, {
    hint: 'see `iotmigrate schema manifest` for the expected shape',
  });
}

/** `['things', 12, 'certificateIds', 0]` → `things[12].certificateIds[0]` */
export function formatIssuePath(path: readonly PropertyKey[] | z.core.$ZodIssue['path']): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(root)' : out;
}

export async function saveManifest(path: string, manifest: Manifest): Promise<void> {
  await writeFileAtomic(path, stableStringify(ManifestSchema.parse(manifest)));
}
