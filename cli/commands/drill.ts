import * as path from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { BUILT_IN_SCENARIOS, loadScenario, type Scenario, ScenarioError } from '../drill/scenario';

/** Exit codes of `bulkhead drill`. */
export const DRILL_EXIT = { ok: 0, error: 1, badScenario: 2, claimMissed: 3 } as const;

function parseSeed(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff)
    throw new InvalidArgumentError(`must be an integer from 0 to 4294967295, got ${value}`);
  return n;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** `bulkhead drill`: game days on the embedded simulated region (or, with --live, a deployed stack). */
export function registerDrill(program: Command): void {
  program
    .command('drill')
    .description(
      "Run game-day drills: inject faults into an embedded simulated region and run Bulkhead's real function handlers against them, next to a baseline of plain ECS with the same seed. Prints a table and writes a JSON and an HTML report.",
    )
    .option(
      '-s, --scenario <name|file>',
      `a built-in scenario (${BUILT_IN_SCENARIOS.join(', ')}) or a scenario JSON file; repeatable (default: every built-in)`,
      collect,
    )
    .option('--seed <n>', 'seed of every random draw: the same seed gives the same report', parseSeed, 1)
    .option('-o, --out <dir>', 'where to write drill-report.json and drill-report.html', 'reports')
    .option('--json', 'print the JSON report on stdout instead of the table')
    .option(
      '--repo <url>',
      'backup repository for data-loss drills (a directory or s3://bucket/prefix; default: a local directory under --out)',
    )
    .option(
      '--endpoint <url>',
      'S3-compatible endpoint for an s3:// --repo, e.g. http://127.0.0.1:4568 (credentials from the AWS env/profile chain; default: AWS S3)',
    )
    .option('--strict', `exit ${DRILL_EXIT.claimMissed} when a figure the drill must show is missed`)
    .addOption(
      new Option('--live', 'run against a deployed stack (see README: Drills, live mode)').default(false),
    )
    .addOption(new Option('--yes', 'with --live: do not ask before injecting faults').default(false))
    .option('--config <file>', 'with --live: the BULKHEAD_FAILOVER_CONFIG JSON of the deployed functions')
    .option('--bucket <name>', 'with --live: the state bucket (stack output StateBucketName)')
    .addHelpText(
      'after',
      `
Scenarios are JSON files (format: README "Drills", schema: cli/drill/scenario.schema.json).
Exit codes: ${DRILL_EXIT.ok} done; ${DRILL_EXIT.error} error; ${DRILL_EXIT.badScenario} invalid scenario (the message names the field); ${DRILL_EXIT.claimMissed} with --strict, a required figure was missed.`,
    )
    .action(
      async (opts: {
        scenario?: string[];
        seed: number;
        out: string;
        json?: boolean;
        repo?: string;
        endpoint?: string;
        strict?: boolean;
        live: boolean;
        yes: boolean;
        config?: string;
        bucket?: string;
      }) => {
        let scenarios: Scenario[];
        try {
          scenarios = (opts.scenario ?? [...BUILT_IN_SCENARIOS]).map((s) => loadScenario(s));
        } catch (error) {
          if (error instanceof ScenarioError) {
            process.stderr.write(`bulkhead drill: ${error.message}\n`);
            process.exitCode = DRILL_EXIT.badScenario;
            return;
          }
          throw error;
        }
        if (opts.live) {
          const { runLiveDrill } = require('../drill/live') as typeof import('../drill/live');
          try {
            process.exitCode = await runLiveDrill({
              scenarios,
              yes: opts.yes,
              out: opts.out,
              config: opts.config,
              bucket: opts.bucket,
            });
          } catch (error) {
            process.stderr.write(`bulkhead drill --live: ${(error as Error).message}\n`);
            process.exitCode = DRILL_EXIT.error;
          }
          return;
        }
        // Loaded here, not at the top: the sim and the functions cost every other command startup time.
        const { runSuite } = require('../drill/suite') as typeof import('../drill/suite');
        const { renderConsole } =
          require('../drill/console-report') as typeof import('../drill/console-report');
        const started = Date.now();
        const progress = !opts.json && process.stderr.isTTY;
        const { report, json, html } = await runSuite({
          scenarios,
          seed: opts.seed,
          outDir: opts.out,
          repo: opts.repo,
          endpoint: opts.endpoint,
          onRun: progress ? (s, m) => process.stderr.write(`  ran ${s} (${m})\n`) : undefined,
        });
        if (opts.json) process.stdout.write(`${JSON.stringify(report, null, 1)}\n`);
        else {
          const rel = (p: string) => path.relative(process.cwd(), path.resolve(p)) || p;
          process.stdout.write(`${renderConsole(report, { json: rel(json), html: rel(html ?? '') })}\n`);
          process.stdout.write(
            `\n${scenarios.length * 2} runs in ${((Date.now() - started) / 1000).toFixed(1)} s (wall clock).\n`,
          );
        }
        const missed = report.scenarios.some((s) => s.claims.some((c) => !c.pass));
        if (opts.strict && missed) process.exitCode = DRILL_EXIT.claimMissed;
      },
    );
}
