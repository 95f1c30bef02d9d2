import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'bulkhead.cjs');
const CHROMIUM = (process.env.PATH ?? '/usr/bin')
  .split(path.delimiter)
  .flatMap((dir) => ['chromium', 'chromium-browser'].map((name) => path.join(dir, name)))
  .find((p) => existsSync(p));
const SCENARIOS = ['az-outage', 'regional'];

// The CLI runs 4 simulated drills and renders charts; Chromium then loads the page.
jest.setTimeout(120_000);

function cli(args: string[], cwd: string) {
  return spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8' });
}

describe('bulkhead drill (CLI) and its HTML report', () => {
  const out = mkdtempSync(path.join(tmpdir(), 'drill-html-'));
  let run: ReturnType<typeof cli>;
  let html: string;
  beforeAll(() => {
    run = cli(['drill', ...SCENARIOS.flatMap((s) => ['--scenario', s]), '--out', out], ROOT);
    html = readFileSync(path.join(out, 'drill-report.html'), 'utf8');
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  test('GIVEN two scenarios WHEN the drill runs THEN the table compares both sides and says where the reports are', () => {
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/az-outage\s+bulkhead/);
    expect(run.stdout).toMatch(/\n\s+baseline/);
    expect(run.stdout).toContain(path.join(out, 'drill-report.json').split(path.sep).pop());
    expect(run.stdout).toMatch(/Reports: .*drill-report\.json\n\s+.*drill-report\.html/);
  });

  test('GIVEN the HTML report WHEN inspected THEN it is self-contained with server-rendered SVG charts', () => {
    expect(html).not.toMatch(/<script[^>]+src=/i);
    expect(html).not.toMatch(/<link[^>]+href=/i);
    expect(html).not.toMatch(/<img[^>]+src="http/i);
    // 4 charts per scenario, rendered by vega (class "marks"), none drawn by hand.
    expect(html.match(/<svg[^>]*class="marks"/g)).toHaveLength(4 * SCENARIOS.length);
    expect(html).toMatch(/class="mark-line role-mark/);
  });

  (CHROMIUM ? test : test.skip)(
    'GIVEN headless Chromium WHEN it opens the report THEN every chart lays out with marks',
    () => {
      const profile = mkdtempSync(path.join(tmpdir(), 'chromium-'));
      let dom: string;
      try {
        dom = execFileSync(
          CHROMIUM as string,
          [
            '--headless',
            '--no-sandbox',
            '--disable-gpu',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
            '--no-first-run',
            `--user-data-dir=${profile}`,
            '--dump-dom',
            `file://${path.join(out, 'drill-report.html')}`,
          ],
          { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 * 1024 * 1024 },
        );
      } finally {
        rmSync(profile, { recursive: true, force: true });
      }
      const check = dom.match(/<pre id="render-check">([^<]*)<\/pre>/);
      expect(check).not.toBeNull();
      const charts = JSON.parse((check as RegExpMatchArray)[1]) as { w: number; h: number; marks: number }[];
      expect(charts).toHaveLength(4 * SCENARIOS.length);
      for (const c of charts) {
        expect(c.w).toBeGreaterThan(300);
        expect(c.h).toBeGreaterThan(100);
        expect(c.marks).toBeGreaterThan(0);
      }
    },
  );
  if (!CHROMIUM)
    console.warn(
      'SKIPPED: headless Chromium check of the drill HTML report (no chromium on PATH; .ci/run installs it)',
    );

  test('GIVEN an invalid scenario file WHEN the drill runs THEN it exits 2 and names the field', () => {
    const file = path.join(out, 'bad.json');
    writeFileSync(
      file,
      JSON.stringify({
        name: 'x',
        description: 'd',
        durationS: 600,
        faults: [{ kind: 'outage', az: 'us-east-1z', at: 10 }],
      }),
    );
    const bad = cli(['drill', '--scenario', file, '--out', out], ROOT);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/faults\[0\]\.az: must be one of the topology's AZs/);
  });
});
