import { beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../manifest/schema.js';
import { assembleManifest } from './assemble-manifest.js';
import { sampleReadings } from './estate-readings.fixture.js';
import { countManifest, summarizeManifest } from './summarize-manifest.js';

let manifest: Manifest;
beforeAll(async () => {
  manifest = assembleManifest(await sampleReadings(), [], new Date('2026-11-20T00:00:00Z'));
});

describe('summarizeManifest', () => {
  it('fits one screen: a line per resource family, counts in one column, the first findings', () => {
    const lines = summarizeManifest(manifest, { shadowsRead: true });
    expect(lines[0]).toBe('AWS IoT estate (account 123456789012, eu-west-1)');
    expect(lines).toContain('  things                4   sensor 2 · (no type) 1 · gateway 1');
    expect(lines).toContain('  certificates          2   aws 1 · registered-ca 1 │ ACTIVE 1 · REVOKED 1');
    expect(lines).toContain('  topic rules           2   enabled 1 · disabled 1 │ kinesis 1 · republish 1');
    expect(lines).toContain('  shadows               2   classic 1 · named 1');
    expect(lines.filter((line) => line.startsWith('    ! '))).toHaveLength(5);
    expect(lines.at(-1)).toBe(`    … and ${manifest.findings.length - 5} more in the manifest's "findings"`);
    const countColumn = lines.filter((line) => /^ {2}\S/.test(line)).map((line) => line.slice(18, 25));
    for (const cell of countColumn) expect(cell).toMatch(/^ *[\d–]+$/);
    expect(lines).toContain(
      '  findings              9   certificate-cn-mismatch 1 · certificate-not-active 1 · certificate-shared 1 · +6 kinds',
    );
    expect(Math.max(...lines.map((line) => line.length))).toBeLessThanOrEqual(120);
  });

  it('says when shadows were not read', () => {
    expect(summarizeManifest(manifest, { shadowsRead: false })).toContain('  shadows               –   not read');
  });
});

describe('countManifest', () => {
  it('counts every resource family for the closing summary event', () => {
    expect(countManifest(manifest)).toEqual({
      things: 4,
      thingTypes: 2,
      thingGroups: 3,
      certificates: 2,
      caCertificates: 1,
      policies: 1,
      topicRules: 2,
      jobs: 2,
      shadows: 2,
      firmwareRepos: 0,
      findings: 9,
    });
  });
});
