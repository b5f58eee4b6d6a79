import type { Manifest } from '../manifest/schema.js';
import { compareCodeUnits } from './code-unit-order.js';

/**
 * The one-screen summary detect ends with, and the counts for the closing `summary`
 * event. Labels and numbers sit in fixed columns; the details after them are
 * "name count" pairs, largest first.
 */
const LABEL_WIDTH = 16;
const COUNT_WIDTH = 7;
const FINDINGS_SHOWN = 5;
const FINDING_WIDTH = 110;
const KINDS_SHOWN = 3;

export function summarizeManifest(manifest: Manifest, options: { shadowsRead: boolean }): string[] {
  const { source } = manifest;
  const line = (label: string, count: number, details = '') =>
    `  ${label.padEnd(LABEL_WIDTH)}${String(count).padStart(COUNT_WIDTH)}${details ? `   ${details}` : ''}`;
  const shadows = manifest.things.flatMap((thing) => thing.shadows);
  const classic = shadows.filter((shadow) => shadow.name === null).length;
  const enabledRules = manifest.topicRules.filter((rule) => rule.enabled).length;
  const dynamicGroups = manifest.thingGroups.filter((group) => group.kind === 'dynamic').length;
  const account = source.accountId ? `account ${source.accountId}, ` : '';
  const endpoint = source.controlEndpoint ? ` via ${source.controlEndpoint}` : '';

  const lines = [
    `AWS IoT estate (${account}${source.region})${endpoint}`,
    line('things', manifest.things.length, tally(manifest.things.map((thing) => thing.thingTypeName ?? '(no type)'))),
    line(
      'certificates',
      manifest.certificates.length,
      [
        tally(manifest.certificates.map((certificate) => certificate.issuer.kind)),
        tally(manifest.certificates.map((certificate) => certificate.status)),
      ]
        .filter(Boolean)
        .join(' │ '),
    ),
    line('CA certificates', manifest.caCertificates.length, tally(manifest.caCertificates.map((ca) => ca.status))),
    line(
      'thing types',
      manifest.thingTypes.length,
      manifest.thingTypes.some((type) => type.deprecated)
        ? `${manifest.thingTypes.filter((type) => type.deprecated).length} deprecated`
        : '',
    ),
    line('thing groups', manifest.thingGroups.length, `static ${manifest.thingGroups.length - dynamicGroups} · dynamic ${dynamicGroups}`),
    line('policies', manifest.policies.length),
    line(
      'topic rules',
      manifest.topicRules.length,
      [
        manifest.topicRules.length > 0 ? `enabled ${enabledRules} · disabled ${manifest.topicRules.length - enabledRules}` : '',
        tally(manifest.topicRules.flatMap((rule) => rule.actions.map((action) => action.type))),
      ]
        .filter(Boolean)
        .join(' │ '),
    ),
    line('jobs', manifest.jobs.length, tally(manifest.jobs.map((job) => job.status))),
    options.shadowsRead
      ? line('shadows', shadows.length, `classic ${classic} · named ${shadows.length - classic}`)
      : `  ${'shadows'.padEnd(LABEL_WIDTH)}${'–'.padStart(COUNT_WIDTH)}   not read`,
  ];
  if (manifest.firmware.length > 0) {
    lines.push(line('firmware repos', manifest.firmware.length, tally(manifest.firmware.flatMap((repo) => repo.flavours))));
  }
  lines.push(line('findings', manifest.findings.length, tally(manifest.findings.map((finding) => finding.code), KINDS_SHOWN)));
  for (const finding of manifest.findings.slice(0, FINDINGS_SHOWN)) lines.push(`    ! ${truncate(finding.message, FINDING_WIDTH)}`);
  if (manifest.findings.length > FINDINGS_SHOWN) {
    lines.push(`    … and ${manifest.findings.length - FINDINGS_SHOWN} more in the manifest's "findings"`);
  }
  return lines;
}

export function countManifest(manifest: Manifest): Record<string, number> {
  return {
    things: manifest.things.length,
    thingTypes: manifest.thingTypes.length,
    thingGroups: manifest.thingGroups.length,
    certificates: manifest.certificates.length,
    caCertificates: manifest.caCertificates.length,
    policies: manifest.policies.length,
    topicRules: manifest.topicRules.length,
    jobs: manifest.jobs.length,
    shadows: manifest.things.reduce((sum, thing) => sum + thing.shadows.length, 0),
    firmwareRepos: manifest.firmware.length,
    findings: manifest.findings.length,
  };
}

function truncate(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
}

/** `["a","b","a"]` → `"a 2 · b 1"`: largest first, ties by name; past `limit` kinds, "+N kinds". */
function tally(values: string[], limit = Number.POSITIVE_INFINITY): string {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  const pairs = [...counts]
    .sort(([a, countA], [b, countB]) => countB - countA || compareCodeUnits(a, b))
    .map(([value, count]) => `${value} ${count}`);
  return pairs.length > limit ? `${pairs.slice(0, limit).join(' · ')} · +${pairs.length - limit} kinds` : pairs.join(' · ');
}
