import { FINAL_STATES, IN_FLIGHT_STATES, type DeviceState } from '../state/device-state.js';
import type { StateCounts, WaveSummary } from './fleet-counts.js';
import type { ReportHeading } from './json-report.js';
import type { ReportRow } from './report-row.js';

/** Every text that reaches the page goes through here: device IDs and reasons come from devices and clouds. */
export function escapeHtml(value: string | number | null): string {
  if (value === null) return '';
  return String(value).replace(/[&<>"']/g, (char) => HTML_ENTITIES[char]!);
}

const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** The states as a manager reads them (each state in one group, so the headline adds up); the state name itself stays in each device row. */
export const STATE_GROUPS = {
  verified: ['verified'],
  'in progress': IN_FLIGHT_STATES,
  'not started': ['pending', 'identity-created'],
  'rolled back': ['rolled-back'],
  quarantined: ['quarantined'],
} as const satisfies Record<string, readonly DeviceState[]>;

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;max-width:1200px;padding:0 1rem;color:#1b1f24}
h1{font-size:1.6rem;margin:0 0 .2rem}h2{font-size:1.15rem;margin:2rem 0 .6rem}
.meta{color:#57606a;margin:0 0 1.2rem}
.cards{display:flex;flex-wrap:wrap;gap:.8rem}
.card{border:1px solid #d0d7de;border-radius:8px;padding:.7rem 1rem;min-width:9rem}
.card b{display:block;font-size:1.6rem}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.3rem .6rem;border-bottom:1px solid #eaeef2;vertical-align:top}
th{background:#f6f8fa;position:sticky;top:0}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
tbody th{background:#fff;font-size:1rem;padding-top:1rem}
.state{display:inline-block;border-radius:999px;padding:0 .55rem;font-size:.85em;white-space:nowrap;background:#eaeef2}
.s-verified{background:#dafbe1;color:#116329}.s-rolled-back{background:#fff1e5;color:#953800}
.s-quarantined{background:#ffebe9;color:#a40e26}
.reason{max-width:28rem;overflow-wrap:anywhere;white-space:pre-line}
time{white-space:nowrap;color:#57606a}
`;

/**
 * One self-contained page (inline CSS, no scripts, no external assets): headline counts,
 * the waves, then every device, the ones not verified first. Rows must arrive in that
 * order; they are rendered as they come.
 */
export function* htmlReportChunks(heading: ReportHeading, rows: Iterable<ReportRow>): Generator<string> {
  const { fleet } = heading;
  yield `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>iotmigrate report — ${escapeHtml(heading.generatedAt)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>AWS IoT Core → Azure IoT Hub migration</h1>
<p class="meta">${fleet.devices} devices · report generated ${timeHtml(heading.generatedAt)} by iotmigrate</p>
<div class="cards">
${Object.entries(STATE_GROUPS)
  .map(([label, states]) => {
    const count = countOf(fleet.counts, states);
    return `<div class="card"><b>${count}</b>${escapeHtml(label)} <small>(${percent(count, fleet.devices)})</small></div>`;
  })
  .join('\n')}
</div>
${wavesHtml(fleet.waves)}
<h2>Devices</h2>
<table>
<thead><tr><th>Device</th><th>State</th><th>Reason</th><th>Wave</th><th class="num">Attempts</th><th>Firmware</th><th>Enrolled</th><th>Job queued</th><th>Outcome at</th></tr></thead>
`;
  let section: 'none' | 'not-verified' | 'verified' = 'none';
  for (const row of rows) {
    const next = row.state === 'verified' ? 'verified' : 'not-verified';
    if (next !== section) {
      const title = next === 'verified' ? `Verified (${fleet.counts.verified})` : `Not verified (${fleet.devices - fleet.counts.verified})`;
      yield `${section === 'none' ? '' : '</tbody>\n'}<tbody><tr><th colspan="9">${title}</th></tr>\n`;
      section = next;
    }
    yield deviceRowHtml(row);
  }
  yield `${section === 'none' ? '<tbody><tr><td colspan="9">No devices in the state store.</td></tr>' : ''}</tbody>
</table>
</body>
</html>
`;
}

export function deviceRowHtml(row: ReportRow): string {
  const firmware = row.firmwareBefore || row.firmwareAfter ? `${escapeHtml(row.firmwareBefore ?? '?')} → ${escapeHtml(row.firmwareAfter ?? '—')}` : '';
  const cells = [
    `<td>${escapeHtml(row.deviceId)}</td>`,
    `<td><span class="state s-${row.state}">${row.state}</span></td>`,
    `<td class="reason">${escapeHtml(row.reason)}</td>`,
    `<td>${row.wave ? `${row.wave.index} ${escapeHtml(row.wave.name)}` : ''}</td>`,
    `<td class="num">${row.attempts}</td>`,
    `<td>${firmware}</td>`,
    `<td>${timeHtml(row.enrolledAt)}</td>`,
    `<td>${timeHtml(row.jobQueuedAt)}</td>`,
    `<td>${timeHtml(outcomeAt(row))}</td>`,
  ];
  return `<tr>${cells.join('')}</tr>\n`;
}

function wavesHtml(waves: readonly WaveSummary[]): string {
  if (waves.length === 0) return '<h2>Waves</h2>\n<p>No wave has started.</p>';
  const rows = waves.map((wave) => {
    const finished = countOf(wave.counts, FINAL_STATES);
    const groups = Object.values(STATE_GROUPS).map((states) => `<td class="num">${countOf(wave.counts, states)}</td>`);
    return `<tr><td class="num">${wave.index}</td><td>${escapeHtml(wave.name)}</td><td class="num">${wave.devices}</td><td class="num">${wave.plannedDevices ?? ''}</td>${groups.join('')}<td class="num">${finished > 0 ? percent(wave.counts.verified, finished) : ''}</td></tr>`;
  });
  const groupHeads = Object.keys(STATE_GROUPS).map((label) => `<th class="num">${escapeHtml(label)}</th>`);
  return `<h2>Waves</h2>
<table>
<thead><tr><th class="num">#</th><th>Wave</th><th class="num">Devices</th><th class="num">Planned</th>${groupHeads.join('')}<th class="num">Success</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>`;
}

/** When the device reached its final state, for the states that are final. */
function outcomeAt(row: ReportRow): string | null {
  if (row.state === 'verified') return row.verifiedAt;
  if (row.state === 'rolled-back') return row.rolledBackAt;
  if (row.state === 'quarantined') return row.quarantinedAt;
  return null;
}

function timeHtml(iso: string | null): string {
  if (iso === null) return '';
  const shown = iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  return `<time datetime="${escapeHtml(iso)}">${escapeHtml(shown)}</time>`;
}

function countOf(counts: StateCounts, states: readonly DeviceState[]): number {
  return states.reduce((total, state) => total + counts[state], 0);
}

function percent(part: number, whole: number): string {
  return whole === 0 ? '0%' : `${Math.round((part / whole) * 1000) / 10}%`;
}

