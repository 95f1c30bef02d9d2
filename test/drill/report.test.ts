import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type DrillReport, figuresAgree } from '../../cli/drill/report';
import { loadScenario } from '../../cli/drill/scenario';
import { runSuite } from '../../cli/drill/suite';
import type { Bucket, TimelineEvent } from '../../cli/drill/timeline';

const NAMES = ['az-gray-failure', 'bad-deploy-crash-loop'];

// Each suite runs 4 simulated 45-minute drills with the real handlers: seconds, not milliseconds.
jest.setTimeout(120_000);

async function suite(seed: number): Promise<{ text: string; report: DrillReport }> {
  const outDir = mkdtempSync(path.join(tmpdir(), 'drill-'));
  try {
    const { json } = await runSuite({
      scenarios: NAMES.map((n) => loadScenario(n)),
      seed,
      outDir,
      html: false,
    });
    const text = readFileSync(json, 'utf8');
    return { text, report: JSON.parse(text) as DrillReport };
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

/** An independent re-derivation of the figures, written from the report's "definitions" text only. */
function recompute(timeline: Bucket[], events: TimelineEvent[], def: DrillReport['definitions']) {
  let requests = 0;
  let failed = 0;
  for (const b of timeline) {
    requests += b.requests;
    failed += b.failed;
    // Each bucket's total is the sum of its AZs.
    expect(Object.values(b.az).reduce((a, v) => a + v.requests, 0)).toBe(b.requests);
    expect(Object.values(b.az).reduce((a, v) => a + v.failed, 0)).toBe(b.failed);
  }
  const faultT = Math.min(...events.filter((e) => e.kind === 'fault-start').map((e) => e.t));
  const first = (kind: string) => {
    const e = events.filter((x) => x.kind === kind && x.t >= faultT).sort((a, b) => a.t - b.t)[0];
    return e ? e.t - faultT : null;
  };
  const bucketS = Number(def.bucketS);
  const bad = timeline.filter((b) => b.requests > 0 && b.failed / b.requests > Number(def.incidentErrorRate));
  const spans: { s: number; e: number }[] = [];
  for (const b of bad) {
    const last = spans[spans.length - 1];
    if (last && b.t - last.e <= Number(def.incidentMergeGapS)) last.e = b.t + bucketS;
    else spans.push({ s: b.t, e: b.t + bucketS });
  }
  const mttr = spans.length === 0 ? null : spans.reduce((a, x) => a + (x.e - x.s), 0) / spans.length;
  const end = timeline[timeline.length - 1].t + bucketS;
  return {
    totalRequests: requests,
    failedRequests: failed,
    availability: 1 - failed / requests,
    detectionS: first('detected'),
    mitigationS: first('action'),
    mttrS: mttr,
    mttrOpen: spans.some((x) => x.e >= end),
    incidents: spans.length,
  };
}

describe('JSON report', () => {
  let a: { text: string; report: DrillReport };
  beforeAll(async () => {
    a = await suite(7);
  });

  test('GIVEN a drill report WHEN its figures are recomputed from its own timeline and events THEN they agree', () => {
    expect(a.report.scenarios).toHaveLength(NAMES.length);
    for (const s of a.report.scenarios)
      for (const run of [s.bulkhead, s.baseline as NonNullable<typeof s.baseline>]) {
        const mine = recompute(run.timeline as Bucket[], run.events as TimelineEvent[], a.report.definitions);
        expect({
          totalRequests: run.figures.totalRequests,
          failedRequests: run.figures.failedRequests,
          availability: run.figures.availability,
          detectionS: run.figures.detectionS,
          mitigationS: run.figures.mitigationS,
          mttrS: run.figures.mttrS,
          mttrOpen: run.figures.mttrOpen,
          incidents: run.figures.incidents.length,
        }).toEqual({ ...mine, availability: expect.closeTo(mine.availability, 12) });
        // Real traffic flowed, and the faults hurt: the check is not vacuous.
        expect(run.figures.totalRequests).toBeGreaterThan(100 * run.durationS * 0.95);
        expect(run.figures.failedRequests).toBeGreaterThan(0);
      }
    expect(figuresAgree(a.report)).toBe(true);
  });

  test('GIVEN the same seed WHEN the drill runs again THEN the report is byte-identical', async () => {
    const b = await suite(7);
    expect(b.text).toBe(a.text);
  });

  test('GIVEN another seed WHEN the drill runs THEN the report differs', async () => {
    const c = await suite(8);
    expect(c.text).not.toBe(a.text);
  });

  test('GIVEN a tampered figure WHEN checked THEN figuresAgree says no', () => {
    const copy = JSON.parse(a.text) as DrillReport;
    (copy.scenarios[0].bulkhead.figures as { failedRequests: number }).failedRequests += 1;
    expect(figuresAgree(copy)).toBe(false);
  });
});
