import type { AvailabilityReport } from '../../lambdas/core/availability/report';
import type { TimeFigures } from '../../lambdas/core/availability/time-based';
import { formatDuration, type Interval } from '../../lambdas/core/availability/windows';
import type { IncidentHistory } from '../../lambdas/core/incidents/incident-log';

/** What `bulkhead availability` computed: the report plus the log it came from. */
export interface AvailabilityOutput {
  readonly source: string;
  readonly window: string;
  readonly report: AvailabilityReport;
  readonly history: IncidentHistory;
}

const pct = (v: number | undefined, digits = 3) =>
  v === undefined ? 'n/a' : `${(v * 100).toFixed(digits)}%`;
const dur = (v: number | undefined) => (v === undefined ? '-' : formatDuration(v));
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

function mtbfText(f: TimeFigures): string {
  return f.mtbfMs !== undefined ? formatDuration(f.mtbfMs) : `> ${formatDuration(f.mtbfLowerBoundMs)}`;
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) => cell.padEnd(widths[c]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** The readable table: figures per scope, the incidents in the window, gaps and findings. */
export function renderTable(out: AvailabilityOutput): string {
  const { report, history, window } = out;
  const lines: string[] = [];
  const first = report.scopes[Object.keys(report.scopes)[0]]?.windows[window].time;
  lines.push(
    `Bulkhead availability over ${window} (${first ? `${iso(first.window.startMs)} to ${iso(first.window.endMs)}` : ''}), SLO ${(report.slo * 100).toFixed(3).replace(/\.?0+$/, '')}%`,
  );
  lines.push(
    `Source: ${out.source} (${history.events} incident records, ${history.auditRecords} audit records)`,
  );
  lines.push('');
  const rows: string[][] = [
    [
      'scope',
      'availability',
      'failures',
      'open',
      'MTBF',
      'MTTR',
      'MTTD',
      'to mitigate',
      'unobserved',
      'budget left',
    ],
  ];
  for (const [scope, r] of Object.entries(report.scopes)) {
    const f = r.windows[window].time;
    rows.push([
      scope,
      pct(f.availability),
      String(f.failures),
      String(f.openIncidents),
      mtbfText(f),
      f.mttrMs === undefined ? '-' : `${formatDuration(f.mttrMs)}${f.mttrIncludesOpen ? '+' : ''}`,
      dur(f.mttdMs),
      dur(f.mttmMs),
      formatDuration(f.unobservedMs),
      pct(r.budget.time.remaining, 1),
    ]);
  }
  lines.push(table(rows));
  lines.push('');
  lines.push(
    'MTBF "> d" means no failure in the window (MTBF exceeds the observed time); MTTR "+" includes an open incident.',
  );

  const start = first?.window.startMs ?? Number.NEGATIVE_INFINITY;
  const end = first?.window.endMs ?? Number.POSITIVE_INFINITY;
  const inWindow = history.incidents.filter((i) => i.startedAtMs < end && (i.endedAtMs ?? end) > start);
  lines.push('');
  if (inWindow.length === 0) {
    lines.push('Incidents: none in the window.');
  } else {
    lines.push('Incidents:');
    const incidentRows = [
      ['started', 'ended', 'duration', 'scope', 'cause', 'detected after', 'mitigated after', 'actions'],
    ];
    for (const i of inWindow) {
      incidentRows.push([
        iso(i.startedAtMs),
        i.endedAtMs === undefined ? 'open' : iso(i.endedAtMs),
        formatDuration((i.endedAtMs ?? report.nowMs) - i.startedAtMs),
        i.scope,
        i.cause,
        formatDuration(i.detectedAtMs - i.startedAtMs),
        i.mitigatedAtMs === undefined ? '-' : formatDuration(i.mitigatedAtMs - i.startedAtMs),
        i.actions.join(',') || '-',
      ]);
    }
    lines.push(indent(table(incidentRows)));
  }
  const gaps = Object.entries(history.gaps)
    .map(([scope, list]) => [scope, clipped(list, start, end)] as const)
    .filter(([, l]) => l.length > 0);
  lines.push('');
  if (gaps.length === 0) lines.push('Signal gaps: none in the window.');
  else {
    lines.push('Signal gaps (time with no signal at all: neither up nor down):');
    for (const [scope, list] of gaps) {
      lines.push(`  ${scope}: ${list.map((g) => `${iso(g.startMs)} to ${iso(g.endMs)}`).join('; ')}`);
    }
  }
  lines.push('');
  if (history.findings.length === 0) lines.push('Log findings: none.');
  else {
    lines.push(`Log findings (${history.findings.length}):`);
    for (const f of history.findings)
      lines.push(`  ${f.severity.padEnd(7)} ${f.code}${f.key ? ` ${f.key}` : ''}: ${f.message}`);
  }
  return `${lines.join('\n')}\n`;
}

function clipped(list: readonly Interval[], start: number, end: number): Interval[] {
  return list
    .map((g) => ({ startMs: Math.max(g.startMs, start), endMs: Math.min(g.endMs, end) }))
    .filter((g) => g.endMs > g.startMs);
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}

/** Replaces `undefined` by `null` so "not defined" (e.g. MTBF without failures) survives JSON. */
function defined<T>(value: T): unknown {
  if (value === undefined) return null;
  if (Array.isArray(value)) return value.map(defined);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, defined(v)]));
  }
  return value;
}

/** The JSON document of `--json`: figures per scope, incidents, gaps, findings. `null` = not defined. */
export function renderJson(out: AvailabilityOutput): string {
  const { report, history, window } = out;
  return `${JSON.stringify(
    defined({
      schemaVersion: 1,
      source: out.source,
      window,
      slo: report.slo,
      nowMs: report.nowMs,
      scopes: Object.fromEntries(
        Object.entries(report.scopes).map(([scope, r]) => [
          scope,
          { ...r.windows[window].time, errorBudget: r.budget.time, burnRates: r.burnRates.time },
        ]),
      ),
      incidents: history.incidents,
      gaps: history.gaps,
      findings: history.findings,
      records: {
        incidents: history.events,
        audit: history.auditRecords,
        malformed: history.malformed.length,
      },
    }),
    null,
    2,
  )}\n`;
}
