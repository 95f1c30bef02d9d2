import * as fs from 'node:fs';
import { z } from 'zod';
import { valueAt } from '../core/zod-issues';
import { availabilityConfigSchema } from './availability';
import { backupConfigSchema } from './backup';
import { failoverConfigSchema } from './failover';

/**
 * The default container image: nginx's official *unprivileged* build from the AWS public registry
 * (ECR Public mirrors the `nginxinc/nginx-unprivileged` tags). It runs as uid 101, listens on 8080,
 * and keeps its pid and temp files under /tmp, so it runs on Fargate as non-root with a read-only
 * root file system. Pinned to a version tag so a deploy never picks up an unreviewed nginx.
 */
export const DEFAULT_IMAGE = 'public.ecr.aws/nginx/nginx-unprivileged:1.28.0-alpine';

/** The port {@link DEFAULT_IMAGE} listens on (fixed in its `default.conf`). */
export const DEFAULT_IMAGE_PORT = 8080;

/** The listener weight each cell's target group starts with; failover sets an evacuated AZ to 0. */
export const CELL_WEIGHT = 1;

/** Valid Fargate task sizes: CPU units to the memory sizes (MiB) allowed with them. */
const FARGATE_MEMORY_BY_CPU: Readonly<Record<number, readonly number[]>> = {
  256: [512, 1024, 2048],
  512: range(1024, 4096, 1024),
  1024: range(2048, 8192, 1024),
  2048: range(4096, 16384, 1024),
  4096: range(8192, 30720, 1024),
  8192: range(16384, 61440, 4096),
  16384: range(32768, 122880, 8192),
};

/** Cross-field checks run only on fields that are each valid, so one mistake gives one message. */
const ONLY_IF_FIELDS_VALID = {
  when: (payload: { issues: readonly unknown[] }) => payload.issues.length === 0,
};

function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let v = from; v <= to; v += step) out.push(v);
  return out;
}

/** An integer field with one message for every way it can be wrong (type, fraction, range). */
function intIn(min: number, max: number, message = `must be an integer from ${min} to ${max}`) {
  return z.int({ error: message }).min(min, { error: message }).max(max, { error: message });
}

const imageSchema = z.discriminatedUnion(
  'type',
  [
    z
      .object({
        type: z.literal('registry'),
        /** Image reference, e.g. `public.ecr.aws/nginx/nginx-unprivileged:1.28.0-alpine`. */
        name: z
          .string({ error: 'must be an image reference such as repo/name:tag' })
          .min(1)
          .default(DEFAULT_IMAGE),
      })
      .strict(),
    z
      .object({
        type: z.literal('asset'),
        /** Folder with a Dockerfile, relative to the repository root; built by `cdk deploy` (needs Docker). */
        directory: z.string().min(1).default('service'),
      })
      .strict(),
  ],
  { error: "must be 'registry' or 'asset'" },
);

const serviceSchema = z
  .object({
    image: imageSchema.prefault({ type: 'registry' }),
    port: intIn(1, 65535).default(DEFAULT_IMAGE_PORT),
    cpu: z
      .int()
      .refine((v) => v in FARGATE_MEMORY_BY_CPU, {
        error: `must be one of the Fargate CPU sizes ${Object.keys(FARGATE_MEMORY_BY_CPU).join(', ')}`,
      })
      .default(256),
    memoryMiB: z.int().positive().default(512),
    healthCheckPath: z
      .string()
      .regex(/^\/[^\s]*$/, { error: "must start with '/' and contain no spaces" })
      .default('/'),
    healthCheckGracePeriodSeconds: intIn(0, 7200).default(60),
    /** Run the container with a read-only root file system and a writable task-local /tmp. */
    readonlyRootFilesystem: z.boolean({ error: 'must be true or false' }).default(true),
    desiredCount: intIn(1, 100, 'must be an integer from 1 to 100 (a cell with 0 tasks is no cell)').default(
      2,
    ),
    minCapacity: intIn(1, 100).default(2),
    maxCapacity: intIn(1, 100).default(6),
    targetCpuPercent: intIn(10, 90).default(60),
    requestsPerTarget: intIn(1, 100000).default(1000),
  })
  .strict()
  .superRefine((s, ctx) => {
    const allowed = FARGATE_MEMORY_BY_CPU[s.cpu];
    if (allowed && !allowed.includes(s.memoryMiB)) {
      ctx.addIssue({
        code: 'custom',
        path: ['memoryMiB'],
        message: `must be one of ${allowed.join(', ')} with cpu ${s.cpu}`,
      });
    }
    if (s.minCapacity > s.maxCapacity) {
      ctx.addIssue({
        code: 'custom',
        path: ['minCapacity'],
        message: `must not exceed service.maxCapacity (${s.maxCapacity})`,
      });
    }
    if (s.desiredCount < s.minCapacity || s.desiredCount > s.maxCapacity) {
      ctx.addIssue({
        code: 'custom',
        path: ['desiredCount'],
        message: `must lie within service.minCapacity..service.maxCapacity (${s.minCapacity}..${s.maxCapacity})`,
      });
    }
    if (s.image.type === 'registry' && s.image.name === DEFAULT_IMAGE && s.port !== DEFAULT_IMAGE_PORT) {
      ctx.addIssue({
        code: 'custom',
        path: ['port'],
        message: `must be ${DEFAULT_IMAGE_PORT} with the default image (it listens there); use your own image for another port`,
      });
    }
  }, ONLY_IF_FIELDS_VALID);

const targetGroupSchema = z
  .object({
    healthCheckIntervalSeconds: intIn(5, 300).default(5),
    healthCheckTimeoutSeconds: intIn(2, 120).default(4),
    healthyThreshold: intIn(2, 10).default(2),
    unhealthyThreshold: intIn(2, 10).default(2),
    deregistrationDelaySeconds: intIn(0, 3600).default(30),
  })
  .strict()
  .superRefine((t, ctx) => {
    if (t.healthCheckTimeoutSeconds >= t.healthCheckIntervalSeconds) {
      ctx.addIssue({
        code: 'custom',
        path: ['healthCheckTimeoutSeconds'],
        message: `must be less than targetGroup.healthCheckIntervalSeconds (${t.healthCheckIntervalSeconds})`,
      });
    }
  }, ONLY_IF_FIELDS_VALID);

/** CloudWatch Logs retention periods CloudFormation accepts. */
const RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** The whole deploy-time configuration of Bulkhead (cdk.json context key `bulkhead`). */
export const stackConfigSchema = z
  .object({
    azCount: intIn(
      2,
      5,
      'must be an integer from 2 to 5 (one cell per AZ; a forward action takes at most 5)',
    ).default(3),
    natGateways: intIn(1, 5).optional(),
    certificateArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/, {
        error: 'must be an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)',
      })
      .optional(),
    alarmEmail: z.email({ error: 'must be an email address' }).optional(),
    logRetentionDays: z
      .int()
      .refine((v) => (RETENTION_DAYS as readonly number[]).includes(v), {
        error: `must be one of ${RETENTION_DAYS.join(', ')}`,
      })
      .default(30),
    service: serviceSchema.prefault({}),
    targetGroup: targetGroupSchema.prefault({}),
    volume: z
      .object({
        mountPath: z
          .string()
          .regex(/^\/[A-Za-z0-9._/-]+$/, { error: "must be an absolute path such as '/mnt/data'" })
          .default('/mnt/data'),
      })
      .strict()
      .prefault({}),
    failover: failoverConfigSchema.prefault({}),
    backup: backupConfigSchema.prefault({}),
    availability: availabilityConfigSchema.prefault({}),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.natGateways !== undefined && c.natGateways > c.azCount) {
      ctx.addIssue({
        code: 'custom',
        path: ['natGateways'],
        message: `must not exceed azCount (${c.azCount})`,
      });
    }
  }, ONLY_IF_FIELDS_VALID);

/** Bulkhead's validated deploy-time configuration, every default applied. */
export type StackConfig = z.infer<typeof stackConfigSchema>;

/** What a user may write: every field optional. */
export type StackConfigInput = z.input<typeof stackConfigSchema>;

/** One problem found in a configuration: where, what is wrong, and what was there. */
export interface StackConfigProblem {
  /** Dotted path of the field, e.g. `service.port`. */
  readonly field: string;
  readonly message: string;
  /** The value found at that field (undefined when it was missing). */
  readonly received: unknown;
}

/** A configuration that failed validation; the message lists every bad field with the value received. */
export class StackConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly StackConfigProblem[],
  ) {
    super(
      `Invalid Bulkhead configuration (${source}):\n${problems
        .map((p) => `  - ${p.field}: ${p.message} (received ${show(p.received)})`)
        .join('\n')}`,
    );
    this.name = 'StackConfigError';
  }
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  return JSON.stringify(value);
}

/**
 * Validates a raw configuration value and applies the defaults.
 * @param source where the value came from, named in the error (e.g. `cdk.json context "bulkhead"`)
 * @throws StackConfigError naming each bad field and the value received
 */
export function parseStackConfig(raw: unknown, source = 'cdk.json context "bulkhead"'): StackConfig {
  const result = stackConfigSchema.safeParse(raw ?? {});
  if (result.success) return result.data;
  const problems: StackConfigProblem[] = [];
  for (const issue of result.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const path = [...issue.path, key];
        problems.push({
          field: path.join('.'),
          message: 'is not a known field',
          received: valueAt(raw, path),
        });
      }
      continue;
    }
    const field = issue.path.length > 0 ? issue.path.join('.') : '(root)';
    problems.push({ field, message: issue.message, received: valueAt(raw, issue.path) });
  }
  throw new StackConfigError(source, problems);
}

/** Where {@link loadStackConfig} reads from. */
export interface StackConfigSources {
  /** The value of cdk.json context key `bulkhead` (an object, or a JSON string when given with `-c`). */
  readonly context?: unknown;
  /** Path of a JSON config file (env `BULKHEAD_CONFIG`); its fields override the context's. */
  readonly file?: string;
}

/**
 * Reads the configuration: cdk.json context `bulkhead`, then the optional JSON file deep-merged over
 * it, then validation.
 * @throws StackConfigError on a bad value, a bad file, or bad JSON
 */
export function loadStackConfig(sources: StackConfigSources): StackConfig {
  let context: unknown = sources.context ?? {};
  if (typeof context === 'string') {
    try {
      context = JSON.parse(context);
    } catch (e) {
      throw new StackConfigError('context "bulkhead"', [
        { field: '(root)', message: `is not valid JSON: ${(e as Error).message}`, received: sources.context },
      ]);
    }
  }
  if (!sources.file) return parseStackConfig(context);
  let fromFile: unknown;
  try {
    fromFile = JSON.parse(fs.readFileSync(sources.file, 'utf8'));
  } catch (e) {
    throw new StackConfigError(`file ${sources.file}`, [
      { field: '(root)', message: `cannot be read as JSON: ${(e as Error).message}`, received: sources.file },
    ]);
  }
  return parseStackConfig(deepMerge(context, fromFile), `cdk.json context "bulkhead" + file ${sources.file}`);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function deepMerge(base: unknown, over: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = deepMerge(base[k], v);
  return out;
}
