import type { Figures } from './figures';
import type { DrillReport } from './report';

/** Seconds as `45 s`, `3m05s`, `1h02m`. */
export function formatDuration(s: number | null): string {
  if (s === null) return '—';
  if (s < 120) return `${Math.round(s)} s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function leftAz(f: Figures): string {
  const entries = Object.entries(f.trafficLeftAzS);
  if (entries.length === 0) return 'n/a';
  return entries.map(([, s]) => formatDuration(s)).join(' / ');
}

function row(f: Figures): string[] {
  return [
    formatDuration(f.detectionS),
    formatDuration(f.mitigationS),
    formatDuration(f.bulkheadActionS),
    leftAz(f),
    `${formatDuration(f.mttrS)}${f.mttrOpen ? '+' : ''}`,
    String(f.failedRequests),
    `${(f.availability * 100).toFixed(3)}%`,
    `${(f.blastRadius.peakErrorRate * 100).toFixed(1)}% ${f.blastRadius.azsWithErrors.map((az) => (/\d[a-z]$/.test(az) ? az.slice(-1) : `(${az})`)).join('') || '-'}`,
  ];
}

/** The console summary: one table, Bulkhead vs the baseline per scenario, then the issue's figures. */
export function renderConsole(report: DrillReport, paths?: { json: string; html: string }): string {
  const header = [
    'scenario',
    'side',
    'detect',
    'mitigate',
    'bulkhead acts',
    'left AZ',
    'MTTR',
    'failed',
    'availability',
    'blast (peak, AZs)',
  ];
  const rows: string[][] = [];
  for (const s of report.scenarios) {
    rows.push([s.name, 'bulkhead', ...row(s.bulkhead.figures)]);
    if (s.baseline) rows.push(['', 'baseline', ...row(s.baseline.figures)]);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i >= 2 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
  const out = [
    `Bulkhead drill (${report.mode}, seed ${report.seed}): Bulkhead's cells and functions vs plain ECS, same faults, same seed`,
    '',
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
    'MTTR "+" = an incident was still open when the drill ended. Definitions: the JSON report, "definitions".',
  ];
  const integration = report.scenarios[0]?.bulkhead.integration ?? [];
  if (integration.length > 0) {
    out.push('', 'Bulkhead functions in this drill:');
    const seen = new Map<string, string>();
    for (const s of report.scenarios)
      for (const i of s.bulkhead.integration)
        if (!seen.has(i.function) || i.status === 'integrated')
          seen.set(i.function, `${i.status}: ${i.note}`);
    for (const [fn, text] of seen) out.push(`  ${fn.padEnd(14)} ${text}`);
  }
  const claims = report.scenarios.flatMap((s) => s.claims.map((c) => ({ scenario: s.name, ...c })));
  if (claims.length > 0) {
    out.push('', 'Figures the drill must show:');
    for (const c of claims)
      out.push(`  ${c.pass ? 'PASS' : 'MISS'}  ${c.scenario}: ${c.claim} — measured ${c.measured}`);
  }
  if (paths) out.push('', `Reports: ${paths.json}`, `         ${paths.html}`);
  return out.join('\n');
}
