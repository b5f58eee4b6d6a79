import { describe, expect, it } from 'vitest';
import { DEVICE_STATES } from '../state/device-state.js';
import { countFleet, zeroStateCounts } from './fleet-counts.js';
import { deviceRowHtml, escapeHtml, htmlReportChunks, STATE_GROUPS } from './html-report.js';
import type { ReportRow } from './report-row.js';
import { waveNamer } from './wave-names.js';

const row = (deviceId: string, changes: Partial<ReportRow> = {}): ReportRow => ({
  deviceId,
  state: 'verified',
  reason: null,
  wave: { index: 1, name: 'canary' },
  attempts: 1,
  firmwareBefore: '1.0.0',
  firmwareAfter: '2.0.0',
  enrolledAt: '2026-01-01T00:00:00.000Z',
  jobQueuedAt: '2026-01-01T00:01:00.000Z',
  verifiedAt: '2026-01-01T00:02:00.000Z',
  rolledBackAt: null,
  quarantinedAt: null,
  stateChangedAt: '2026-01-01T00:02:00.000Z',
  ...changes,
});

function page(rows: ReportRow[]): string {
  const counts = zeroStateCounts();
  for (const { state } of rows) counts[state] += 1;
  const waves = new Map([[1, { ...counts }]]);
  const plannedWaves = [{ index: 1, name: 'canary', deviceIds: rows.map((r) => r.deviceId) }];
  const fleet = countFleet({ counts, countsByWave: waves, plannedWaves, waveName: waveNamer(plannedWaves) });
  return [...htmlReportChunks({ generatedAt: '2026-01-01T01:00:00.000Z', fleet }, rows)].join('');
}

describe('escapeHtml', () => {
  it('escapes the five characters that can break out of text or an attribute', () => {
    expect(escapeHtml(`<script>alert("x" & 'y')</script>`)).toBe('&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;');
    expect(escapeHtml(null)).toBe('');
    expect(escapeHtml(42)).toBe('42');
  });
});

describe('htmlReportChunks', () => {
  it('is one self-contained page: inline style, no script, no external asset', () => {
    const html = page([row('dev-1')]);
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<style>');
    expect(html).not.toMatch(/<script|<link|<img|src=|href=|@import|url\(/i);
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
  });

  it('escapes device IDs, reasons and wave names from the store', () => {
    const hostile = row('dev-<b>', { state: 'rolled-back', reason: '<img src=x onerror=alert(1)> "quoted"', wave: { index: 1, name: '<i>w</i>' } });
    const html = deviceRowHtml(hostile);
    expect(html).toContain('dev-&lt;b&gt;');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt; &quot;quoted&quot;');
    expect(html).toContain('1 &lt;i&gt;w&lt;/i&gt;');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<i>');
  });

  it('heads the devices not verified before the verified ones, each group titled with its count', () => {
    const html = page([row('a-rolled', { state: 'rolled-back', reason: 'hub refused' }), row('b-quarantined', { state: 'quarantined', reason: 'out of retries' }), row('a-ok'), row('c-ok')]);
    const notVerified = html.indexOf('Not verified (2)');
    const verified = html.indexOf('Verified (2)');
    expect(notVerified).toBeGreaterThan(0);
    expect(verified).toBeGreaterThan(html.indexOf('b-quarantined'));
    expect(html.indexOf('a-rolled')).toBeGreaterThan(notVerified);
    expect(html.indexOf('a-ok')).toBeGreaterThan(verified);
    expect(html).toContain('hub refused');
  });

  it('shows headline counts that add up to the fleet, and the wave table', () => {
    const html = page([row('a', { state: 'rolled-back' }), row('c', { state: 'downloading', verifiedAt: null }), row('b')]);
    expect(html).toContain('<b>1</b>verified');
    expect(html).toContain('<b>1</b>in progress');
    expect(html).toContain('<b>1</b>rolled back');
    // Success is verified among the finished: 1 of 2.
    expect(html).toMatch(/<td>canary<\/td><td class="num">3<\/td><td class="num">3<\/td>.*<td class="num">50%<\/td><\/tr>/);
  });

  it('puts every device state in exactly one headline group', () => {
    const grouped: string[] = Object.values(STATE_GROUPS).flat();
    expect([...grouped].sort()).toEqual([...DEVICE_STATES].sort());
  });

  it('says so when the store has no devices', () => {
    expect(page([])).toContain('No devices in the state store.');
  });
});
