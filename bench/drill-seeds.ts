/**
 * The default drill suite over several seeds, summarized per scenario: when traffic left the sick
 * AZ, failed requests for Bulkhead and for the plain-ECS baseline (measured in the same run, same
 * seed), and every required figure that missed, with its seed. One seed is one sample of the
 * simulated region's randomness; this shows the spread the README quotes.
 *
 *   npx tsx bench/drill-seeds.ts [--seeds 1-10]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DrillReport } from '../cli/drill/report';

const USAGE = `Usage: npx tsx bench/drill-seeds.ts [--seeds FROM-TO]

Runs \`bulkhead drill --seed N --json\` (the default suite, Bulkhead vs the baseline) for each seed
and prints one markdown row per scenario, then the required figures that missed.

Options:
  --seeds FROM-TO  inclusive seed range (default 1-10)
  --help           this text`;

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  console.log(USAGE);
  process.exit(0);
}
const seedsArg = process.argv.indexOf('--seeds');
const range = /^(\d+)-(\d+)$/.exec(seedsArg > 0 ? (process.argv[seedsArg + 1] ?? '') : '1-10');
if (!range || Number(range[1]) > Number(range[2])) {
  console.error(
    `--seeds must be FROM-TO with FROM ≤ TO, got ${JSON.stringify(process.argv[seedsArg + 1])}\n\n${USAGE}`,
  );
  process.exit(2);
}
const seeds = Array.from({ length: Number(range[2]) - Number(range[1]) + 1 }, (_, i) => Number(range[1]) + i);

const root = path.resolve(__dirname, '..');
const work = mkdtempSync(path.join(tmpdir(), 'bulkhead-drill-seeds-'));
const rows = new Map<
  string,
  { left: (number | null)[]; failed: number[]; baseline: number[]; better: number }
>();
const misses: string[] = [];
try {
  for (const seed of seeds) {
    process.stderr.write(`seed ${seed}…\n`);
    const out = path.join(work, `seed-${seed}`);
    execFileSync(
      'node',
      [path.join(root, 'bin/bulkhead.cjs'), 'drill', '--seed', String(seed), '--json', '--out', out],
      {
        cwd: root,
        stdio: 'ignore',
      },
    );
    const report = JSON.parse(readFileSync(path.join(out, 'drill-report.json'), 'utf8')) as DrillReport;
    for (const s of report.scenarios) {
      // Only a live drill has no baseline.
      if (!s.baseline) throw new Error(`seed ${seed}: ${s.name} has no baseline run`);
      const row = rows.get(s.name) ?? { left: [], failed: [], baseline: [], better: 0 };
      row.left.push(...Object.values(s.bulkhead.figures.trafficLeftAzS));
      row.failed.push(s.bulkhead.figures.failedRequests);
      row.baseline.push(s.baseline.figures.failedRequests);
      if (s.bulkhead.figures.failedRequests <= s.baseline.figures.failedRequests) row.better++;
      rows.set(s.name, row);
      for (const c of s.claims ?? [])
        if (!c.pass) misses.push(`seed ${seed}: ${s.name}: ${c.claim} (${c.measured})`);
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

const span = (xs: readonly number[]) =>
  xs.length === 0
    ? '—'
    : Math.min(...xs) === Math.max(...xs)
      ? `${xs[0]}`
      : `${Math.min(...xs)}–${Math.max(...xs)}`;
console.log(
  `Drill suite, seeds ${seeds[0]}–${seeds[seeds.length - 1]} (${new Date().toISOString()}, ${process.version})\n`,
);
console.log(
  '| scenario | traffic left the sick AZ | Bulkhead failed | baseline failed | Bulkhead ≤ baseline |',
);
console.log('| --- | --- | --- | --- | --- |');
for (const [name, r] of rows) {
  const left = r.left.filter((x): x is number => x !== null);
  const never = r.left.length - left.length;
  const leftText =
    r.left.length === 0
      ? 'n/a'
      : `${left.length ? `${span(left)} s` : ''}${never ? `${left.length ? ', ' : ''}never ×${never}` : ''}`;
  console.log(
    `| ${name} | ${leftText} | ${span(r.failed)} | ${span(r.baseline)} | ${r.better} of ${r.failed.length} seeds |`,
  );
}
console.log(`\nRequired figures missed: ${misses.length === 0 ? 'none' : `\n${misses.join('\n')}`}`);
