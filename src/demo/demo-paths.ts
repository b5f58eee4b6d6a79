import { join } from 'node:path';

/** Where the demo puts each artifact inside its state dir: the names a user's own run would use. */
export function demoPaths(stateDir: string) {
  return {
    sandbox: join(stateDir, 'sandbox'),
    manifest: join(stateDir, 'manifest.json'),
    plan: join(stateDir, 'plan'),
    applyState: join(stateDir, 'state'),
    report: join(stateDir, 'report.html'),
  };
}
