import { formatDuration } from './console-report';
import type { DrillReport, ScenarioReport } from './report';
import type { RunResult } from './runner';
import { isBulkheadActor } from './timeline';

type VegaLiteSpec = Record<string, unknown>;

const escapeHtml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Rows for the per-AZ charts of one run. */
function azRows(run: RunResult, side: string) {
  const rows: Record<string, unknown>[] = [];
  for (const b of run.timeline) {
    const minute = (b.t + run.bucketS) / 60;
    rows.push({ side, minute, az: 'all', errorRate: b.requests > 0 ? b.failed / b.requests : 0 });
    for (const [az, v] of Object.entries(b.az)) {
      const share = b.requests > 0 ? v.requests / b.requests : 0;
      rows.push({
        side,
        minute,
        az,
        healthy: v.healthy,
        wanted: v.wanted,
        errorRate: v.requests > 0 ? v.failed / v.requests : 0,
        share: v.weightShare ?? share,
        measure: v.weightShare === null ? 'traffic share' : 'listener weight share',
      });
    }
  }
  return rows;
}

function faultBands(s: ScenarioReport, sides: readonly string[]) {
  return sides.flatMap((side) =>
    s.scenario.faults
      .filter((f) => f.kind !== 'delete-file')
      .map((f) => ({
        side,
        from: f.at / 60,
        to: ('until' in f && f.until !== undefined ? f.until : s.scenario.durationS) / 60,
        fault: `${f.kind}${'az' in f ? ` ${f.az}` : ''}`,
      })),
  );
}

function lineChart(
  title: string,
  rows: Record<string, unknown>[],
  bands: Record<string, unknown>[],
  field: string,
  yTitle: string,
  format: string,
  extra: Record<string, unknown> = {},
): VegaLiteSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    data: { values: rows },
    facet: { column: { field: 'side', type: 'nominal', title: null, sort: ['bulkhead', 'baseline'] } },
    spec: {
      width: 420,
      height: 140,
      layer: [
        {
          data: { values: bands },
          mark: { type: 'rect', opacity: 0.12, color: '#d62728' },
          encoding: { x: { field: 'from', type: 'quantitative' }, x2: { field: 'to' } },
        },
        {
          transform: [{ filter: `datum.${field} != null` }],
          mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1.6 },
          encoding: {
            x: { field: 'minute', type: 'quantitative', title: 'minutes' },
            y: { field, type: 'quantitative', title: yTitle, axis: { format } },
            color: { field: 'az', type: 'nominal', title: 'AZ' },
            ...extra,
          },
        },
      ],
    },
    resolve: { scale: { y: 'shared' } },
  };
}

function actionsChart(s: ScenarioReport): VegaLiteSpec {
  const rows = (['bulkhead', 'baseline'] as const).flatMap((side) =>
    (s[side]?.events ?? [])
      .filter((e) => e.kind !== 'note')
      .map((e) => ({
        side,
        minute: e.t / 60,
        actor: isBulkheadActor(e.actor) ? `bulkhead:${e.actor}` : e.actor,
        kind: e.kind,
      })),
  );
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Events and actions',
    data: { values: rows },
    facet: { column: { field: 'side', type: 'nominal', title: null, sort: ['bulkhead', 'baseline'] } },
    spec: {
      width: 420,
      height: 120,
      mark: { type: 'point', filled: true, size: 50 },
      encoding: {
        x: {
          field: 'minute',
          type: 'quantitative',
          title: 'minutes',
          scale: { domain: [0, s.scenario.durationS / 60] },
        },
        y: { field: 'actor', type: 'nominal', title: null },
        color: { field: 'kind', type: 'nominal', title: 'event' },
        shape: { field: 'kind', type: 'nominal' },
      },
    },
  };
}

/** The Vega-Lite specs of one scenario: per-AZ weight, healthy tasks, error rate, and actions over time. */
export function scenarioSpecs(s: ScenarioReport): VegaLiteSpec[] {
  const rows = [...azRows(s.bulkhead, 'bulkhead'), ...(s.baseline ? azRows(s.baseline, 'baseline') : [])];
  const bands = faultBands(s, ['bulkhead', 'baseline']);
  const perAz = rows.filter((r) => r.az !== 'all');
  return [
    lineChart(
      'Traffic per AZ: listener weight share (Bulkhead) / traffic share (baseline)',
      perAz,
      bands,
      'share',
      'share',
      '.0%',
      {
        strokeDash: { field: 'measure', type: 'nominal', title: 'measure' },
      },
    ),
    lineChart('Healthy targets per AZ', perAz, bands, 'healthy', 'healthy targets', 'd'),
    lineChart('Error rate per AZ, and overall ("all")', rows, bands, 'errorRate', 'failed / requests', '.0%'),
    actionsChart(s),
  ];
}

/** Renders a Vega-Lite spec to an SVG string on the server (vega's headless renderer). */
export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  // vega and vega-lite are ESM with top-level await: load them with import(), not require().
  const vega = await import('vega');
  const vl = await import('vega-lite');
  const compiled = vl.compile(spec as unknown as Parameters<typeof vl.compile>[0]).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

function figuresTable(s: ScenarioReport): string {
  const cells = (r: RunResult) => {
    const f = r.figures;
    return [
      formatDuration(f.detectionS),
      formatDuration(f.mitigationS),
      formatDuration(f.bulkheadActionS),
      Object.values(f.trafficLeftAzS).map(formatDuration).join(' / ') || 'n/a',
      `${formatDuration(f.mttrS)}${f.mttrOpen ? '+' : ''}`,
      String(f.failedRequests),
      `${(f.availability * 100).toFixed(3)}%`,
      `${(f.blastRadius.peakErrorRate * 100).toFixed(1)}% (${f.blastRadius.azsWithErrors.join(', ') || 'none'})`,
    ]
      .map((c) => `<td>${escapeHtml(c)}</td>`)
      .join('');
  };
  return `<table><thead><tr><th>side</th><th>detect</th><th>mitigate</th><th>Bulkhead acts</th><th>left AZ</th><th>MTTR</th><th>failed</th><th>availability</th><th>blast radius</th></tr></thead>
<tbody><tr><th>bulkhead</th>${cells(s.bulkhead)}</tr>${s.baseline ? `<tr><th>baseline</th>${cells(s.baseline)}</tr>` : ''}</tbody></table>`;
}

function eventsList(run: RunResult): string {
  const items = run.events
    .filter((e) => e.kind !== 'note' || !e.actor.startsWith('ecs'))
    .slice(0, 200)
    .map(
      (e) =>
        `<li><code>${formatDuration(e.t)}</code> <b>${escapeHtml(e.actor)}</b> ${escapeHtml(e.kind)}: ${escapeHtml(e.summary)}</li>`,
    )
    .join('\n');
  const more = run.events.length > 200 ? `<li>… ${run.events.length - 200} more in the JSON report</li>` : '';
  return `<ul class="events">${items}${more}</ul>`;
}

/**
 * The self-contained HTML report: charts rendered to inline SVG on the server with Vega-Lite and
 * Vega (no CDN, no script needed to draw). A tiny inline script only measures the charts, so a
 * headless browser can confirm they laid out.
 */
export async function renderHtml(report: DrillReport): Promise<string> {
  const sections: string[] = [];
  for (const s of report.scenarios) {
    const svgs = [];
    for (const spec of scenarioSpecs(s)) svgs.push(`<figure class="chart">${await renderSvg(spec)}</figure>`);
    const claims = s.claims
      .map(
        (c) =>
          `<li class="${c.pass ? 'pass' : 'miss'}">${c.pass ? 'PASS' : 'MISS'} ${escapeHtml(c.claim)}: measured ${escapeHtml(c.measured)}</li>`,
      )
      .join('');
    const integration = s.bulkhead.integration
      .map((i) => `<li><b>${escapeHtml(i.function)}</b> ${escapeHtml(i.status)}: ${escapeHtml(i.note)}</li>`)
      .join('');
    sections.push(`<section id="${escapeHtml(s.name)}">
<h2>${escapeHtml(s.name)}</h2>
<p>${escapeHtml(s.description)}</p>
${figuresTable(s)}
${claims ? `<ul class="claims">${claims}</ul>` : ''}
${svgs.join('\n')}
<details><summary>Bulkhead functions in this run</summary><ul>${integration}</ul></details>
<details><summary>Bulkhead timeline (${s.bulkhead.events.length} events)</summary>${eventsList(s.bulkhead)}</details>
${s.baseline ? `<details><summary>Baseline timeline (${s.baseline.events.length} events)</summary>${eventsList(s.baseline)}</details>` : ''}
</section>`);
  }
  const toc = report.scenarios
    .map((s) => `<a href="#${escapeHtml(s.name)}">${escapeHtml(s.name)}</a>`)
    .join(' · ');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Bulkhead drill report (seed ${report.seed})</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1100px;color:#222}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f4f4f4}
figure.chart{margin:12px 0}ul.claims li.pass{color:#17632a}ul.claims li.miss{color:#a11}ul.events{font-size:12px}
section{border-top:2px solid #ddd;margin-top:28px}
</style></head>
<body>
<h1>Bulkhead drill report</h1>
<p>${report.mode === 'simulated' ? 'Simulated region' : 'Live stack'}, seed ${report.seed}. Each scenario ran twice with the same seed: on Bulkhead's zonal cells with its functions, and on the baseline (one plain ECS service over the same AZs with ALB's default health checks). Red bands mark the faults. Figures are recomputable from the JSON report's timeline and events.</p>
<p>${toc}</p>
${sections.join('\n')}
<pre id="render-check"></pre>
<script>
(function(){var out=[];document.querySelectorAll('figure.chart svg').forEach(function(svg){var b=svg.getBoundingClientRect();out.push({w:Math.round(b.width),h:Math.round(b.height),marks:svg.querySelectorAll('.mark-line path, .mark-symbol path, .mark-rect path').length});});document.getElementById('render-check').textContent=JSON.stringify(out);})();
</script>
</body></html>
`;
}
