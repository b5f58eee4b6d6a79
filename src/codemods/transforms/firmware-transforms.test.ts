import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { rewriteFirmwareSources } from '../rewrite-firmware-sources.js';
import { FIRMWARE_TRANSFORMS } from './firmware-transforms.js';

const FIXTURES = fileURLToPath(new URL('../../../fixtures/codemods/', import.meta.url));
/** Set to rewrite the expected outputs from the current transforms, then review the diff. */
const UPDATE = process.env.UPDATE_CODEMOD_FIXTURES === '1';

interface FixtureCase {
  transform: string;
  name: string;
  inputPath: string;
  outputPath: string;
  extension: string;
}

function fixtureCases(): FixtureCase[] {
  const cases: FixtureCase[] = [];
  for (const transform of readdirSync(FIXTURES).sort()) {
    for (const file of readdirSync(join(FIXTURES, transform)).sort()) {
      const match = /^(.*)\.input\.(ts|js)$/.exec(file);
      if (match === null) continue;
      const [, name, extension] = match as unknown as [string, string, string];
      cases.push({
        transform,
        name,
        extension,
        inputPath: join(FIXTURES, transform, file),
        outputPath: join(FIXTURES, transform, `${name}.output.${extension}`),
      });
    }
  }
  return cases;
}

describe('firmware transforms', () => {
  const cases = fixtureCases();

  it('have a fixture folder each, with at least one case, and no folder without a transform', () => {
    const ids = FIRMWARE_TRANSFORMS.map((transform) => transform.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    expect([...new Set(cases.map((fixture) => fixture.transform))].sort()).toEqual([...ids].sort());
  });

  it.each(cases.map((fixture) => [`${fixture.transform} / ${fixture.name}.${fixture.extension}`, fixture] as const))('%s', (_title, fixture) => {
    const transform = FIRMWARE_TRANSFORMS.find((candidate) => candidate.id === fixture.transform)!;
    const input = readFileSync(fixture.inputPath, 'utf8');
    const path = `src/${fixture.name}.${fixture.extension}`;
    const [result] = rewriteFirmwareSources({ files: new Map([[path, input]]), packageType: 'commonjs' }, [transform]);
    expect(result?.status, result?.reason).not.toBe('error');
    if (UPDATE) writeFileSync(fixture.outputPath, result!.rewritten);
    expect(existsSync(fixture.outputPath), `missing ${fixture.outputPath}`).toBe(true);
    expect(result!.rewritten).toBe(readFileSync(fixture.outputPath, 'utf8'));
    // The transform must report what it did: a changed file without a finding is a silent rewrite.
    if (result!.status === 'rewritten') expect(result!.findings.some((finding) => finding.transform === fixture.transform)).toBe(true);
  });
});
