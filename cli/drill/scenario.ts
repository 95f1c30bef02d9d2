import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';

const seconds = z
  .number()
  .int()
  .min(0)
  .max(24 * 3600);
const share = z.number().min(0).max(1);
const az = z
  .string()
  .regex(/^[a-z]{2}(-gov)?-[a-z]+-\d[a-z]$/, { error: 'must be an AZ name such as us-east-1a' });

/** A fault, from `at` (seconds after the start) until `until` (or the end). */
const faultSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('outage'),
      az,
      at: seconds,
      until: seconds.optional(),
    })
    .strict()
    .describe('The AZ is gone: its tasks are unreachable and launches there fail.'),
  z
    .object({
      kind: z.literal('gray'),
      az,
      at: seconds,
      until: seconds.optional(),
      errorRate: share.describe('Share of requests (and health checks and probes) an affected target fails.'),
      addedLatencyMs: z.number().int().min(0).max(60_000).default(0),
      affectedShare: share.default(1).describe("Share of the AZ's targets affected."),
    })
    .strict(),
  z
    .object({
      kind: z.literal('no-capacity'),
      az,
      at: seconds,
      until: seconds.optional(),
      killShare: share.default(0).describe("Share of the AZ's running tasks that die when the fault starts."),
    })
    .strict()
    .describe('Lost capacity: new launches in the AZ hang in PENDING.'),
  z
    .object({
      kind: z.literal('crash-loop'),
      at: seconds,
      until: seconds.optional(),
      spreadS: seconds.default(60).describe('Running tasks crash spread over this many seconds after `at`.'),
    })
    .strict()
    .describe('The current task definition starts crashing after its deployment completed.'),
  z
    .object({
      kind: z.literal('bad-deploy'),
      at: seconds.describe('When the operator deploys the new revision to every cell.'),
      crashAfterS: seconds
        .default(300)
        .describe(
          'Seconds after `at` when the new revision starts crashing (after its deployment completed).',
        ),
      spreadS: seconds.default(60).describe('Running tasks crash spread over this many seconds.'),
    })
    .strict()
    .describe(
      'A new revision is deployed, completes, then crash-loops: tasks die and new ones exit before RUNNING.',
    ),
  z
    .object({
      kind: z.literal('throttle'),
      at: seconds,
      until: seconds.optional(),
      rate: share.describe('Share of ECS and ELBv2 API calls that fail with ThrottlingException.'),
    })
    .strict(),
  z
    .object({
      kind: z.literal('delete-file'),
      at: seconds,
      path: z
        .string()
        .min(1)
        .refine((p) => !p.startsWith('/') && !p.split('/').includes('..'), {
          error: 'must be a relative path inside the volume, without ..',
        }),
    })
    .strict()
    .describe('A file deleted on the data volume.'),
]);

/** The documented scenario format (JSON). */
export const scenarioSchema = z
  .object({
    $schema: z.string().optional(),
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, { error: 'must be kebab-case, 1–63 characters' }),
    description: z.string().min(1),
    durationS: z
      .number()
      .int()
      .min(60)
      .max(6 * 3600)
      .describe('Simulated seconds the drill runs.'),
    seed: z.number().int().min(0).max(0xffffffff).optional(),
    topology: z
      .object({
        azs: z.array(az).min(2).max(5).default(['us-east-1a', 'us-east-1b', 'us-east-1c']),
        tasksPerAz: z.number().int().min(1).max(100).optional(),
        rps: z.number().min(0).max(100_000).default(100),
        taskCapacityRps: z.number().positive().max(10_000).default(25),
      })
      .strict()
      .default({ azs: ['us-east-1a', 'us-east-1b', 'us-east-1c'], rps: 100, taskCapacityRps: 25 }),
    signals: z
      .array(z.enum(['alb', 'prober']))
      .min(1)
      .default(['alb', 'prober'])
      .describe('What Bulkhead detects with: ALB metrics (60 s) and/or the zonal prober (10 s).'),
    events: z
      .object({
        duplicateRate: share.default(0),
        jitterS: z.tuple([seconds, seconds]).default([0, 0]),
      })
      .strict()
      .default({ duplicateRate: 0, jitterS: [0, 0] })
      .describe('EventBridge delivery: share of duplicated deliveries, and extra random delay (reordering).'),
    faults: z.array(faultSchema).default([]),
    volume: z
      .object({
        files: z.number().int().min(1).max(10_000).default(50),
        backupAtS: seconds.default(60),
      })
      .strict()
      .optional()
      .describe('A data volume (a local directory) with generated files, backed up by the backup function.'),
  })
  .strict()
  .superRefine((s, ctx) => {
    s.faults.forEach((f, i) => {
      if ('az' in f && !s.topology.azs.includes(f.az))
        ctx.addIssue({
          code: 'custom',
          path: ['faults', i, 'az'],
          message: `must be one of the topology's AZs (${s.topology.azs.join(', ')}), got ${f.az}`,
        });
      if (f.at >= s.durationS)
        ctx.addIssue({
          code: 'custom',
          path: ['faults', i, 'at'],
          message: `must be before durationS (${s.durationS}), got ${f.at}`,
        });
      if ('until' in f && f.until !== undefined && f.until <= f.at)
        ctx.addIssue({
          code: 'custom',
          path: ['faults', i, 'until'],
          message: `must be after at (${f.at}), got ${f.until}`,
        });
      if (f.kind === 'delete-file' && !s.volume)
        ctx.addIssue({
          code: 'custom',
          path: ['faults', i],
          message: 'a delete-file fault needs a volume section',
        });
    });
    if (s.events.jitterS[1] < s.events.jitterS[0])
      ctx.addIssue({
        code: 'custom',
        path: ['events', 'jitterS'],
        message: 'must be [min, max] with min ≤ max',
      });
  });

/** A validated scenario. */
export type Scenario = z.infer<typeof scenarioSchema>;
/** One validated fault. */
export type Fault = Scenario['faults'][number];

/** A scenario file failed validation; the message lists each bad field by its path. */
export class ScenarioError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly { path: string; message: string }[],
  ) {
    super(
      `invalid scenario ${source}:\n${problems.map((p) => `  ${p.path || '(root)'}: ${p.message}`).join('\n')}`,
    );
    this.name = 'ScenarioError';
  }
}

function pathOf(p: readonly PropertyKey[]): string {
  return p.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? String(k) : `.${String(k)}`)).join('');
}

/** Validates a parsed JSON value as a scenario; errors name the field (e.g. `faults[1].az`). */
export function parseScenario(raw: unknown, source = 'scenario'): Scenario {
  const result = scenarioSchema.safeParse(raw);
  if (!result.success)
    throw new ScenarioError(
      source,
      result.error.issues.map((i) => ({ path: pathOf(i.path), message: i.message })),
    );
  return result.data;
}

/** Folder of the built-in scenarios (JSON files, the same format users write). */
export const BUILT_IN_DIR = path.join(__dirname, 'scenarios');

/** Names of the built-in scenarios, in the order the default suite runs them. */
export const BUILT_IN_SCENARIOS = [
  'az-outage',
  'az-gray-failure',
  'az-gray-failure-alb',
  'capacity-loss',
  'bad-deploy-crash-loop',
  'flapping-az',
  'regional',
  'event-storm',
  'data-loss',
] as const;

/** Loads a built-in scenario by name, or a user's scenario file by path. */
export function loadScenario(nameOrFile: string): Scenario {
  const builtIn = (BUILT_IN_SCENARIOS as readonly string[]).includes(nameOrFile);
  const file = builtIn ? path.join(BUILT_IN_DIR, `${nameOrFile}.json`) : nameOrFile;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ScenarioError(nameOrFile, [
      {
        path: '',
        message: `not a built-in scenario (${BUILT_IN_SCENARIOS.join(', ')}) and not a readable file: ${(error as Error).message}`,
      },
    ]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ScenarioError(file, [{ path: '', message: `not valid JSON: ${(error as Error).message}` }]);
  }
  return parseScenario(raw, file);
}
