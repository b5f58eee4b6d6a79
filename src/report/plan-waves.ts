import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadPlanFile } from '../plan/load-plan-directory.js';
import type { Wave } from '../plan/schema.js';
import { PLAN_FILE } from '../plan/write-plan-directory.js';

/**
 * The plan's waves, to name the waves in the state store. The plan is optional for
 * status and report (the store alone says where each device is), so the default plan
 * directory may be absent; a directory the user named must be there and valid.
 */
export async function loadPlannedWaves(planDir: string, options: { required: boolean }): Promise<Wave[] | undefined> {
  if (!options.required && !existsSync(join(planDir, PLAN_FILE))) return undefined;
  return (await loadPlanFile(planDir)).waves.list;
}
