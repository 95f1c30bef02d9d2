import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { renderHtml } from './html-report';
import { buildReport, type DrillReport } from './report';
import { type RunResult, runScenario } from './runner';
import type { Scenario } from './scenario';

/** Options of {@link runSuite}. */
export interface SuiteOptions {
  readonly scenarios: readonly Scenario[];
  /** Used for every scenario that does not pin its own seed. */
  readonly seed: number;
  /** Where the reports go. */
  readonly outDir: string;
  /** Backup repository override for data-loss scenarios. */
  readonly repo?: string;
  /** S3-compatible endpoint of an `s3://` repo. @default AWS S3 */
  readonly endpoint?: string;
  /** Skip the HTML report (tests that only need JSON). */
  readonly html?: boolean;
  /** Called after each run, for progress. */
  readonly onRun?: (scenario: string, mode: string) => void;
}

/** Runs each scenario on Bulkhead and on the baseline with the same seed, and writes the reports. */
export async function runSuite(
  options: SuiteOptions,
): Promise<{ report: DrillReport; json: string; html?: string }> {
  const pairs: { scenario: Scenario; bulkhead: RunResult; baseline: RunResult }[] = [];
  const workDir = path.join(options.outDir, 'work');
  for (const scenario of options.scenarios) {
    const seed = scenario.seed ?? options.seed;
    const run = async (mode: 'bulkhead' | 'baseline') => {
      const r = await runScenario({
        scenario,
        mode,
        seed,
        workDir: path.join(workDir, scenario.name),
        repo: options.repo,
        endpoint: options.endpoint,
      });
      options.onRun?.(scenario.name, mode);
      return r;
    };
    pairs.push({ scenario, bulkhead: await run('bulkhead'), baseline: await run('baseline') });
  }
  const report = buildReport(options.seed, pairs);
  await mkdir(options.outDir, { recursive: true });
  const json = path.join(options.outDir, 'drill-report.json');
  await writeFile(json, `${JSON.stringify(report, null, 1)}\n`);
  if (options.html === false) return { report, json };
  const html = path.join(options.outDir, 'drill-report.html');
  await writeFile(html, await renderHtml(report));
  return { report, json, html };
}
