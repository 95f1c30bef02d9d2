import { readFileSync } from 'node:fs';
import {
  createEcs,
  createLoadBalancer,
  createMetricReader,
} from '../../lambdas/adapters/aws/failover-clients';
import { createS3Client, S3ObjectStore } from '../../lambdas/adapters/aws/s3-object-store';
import {
  type FailoverRuntimeConfig,
  failoverRuntimeSchema,
  STATE_BUCKET_ENV,
} from '../../lambdas/config/failover-runtime';
import { describeIssues } from '../../lambdas/core/zod-issues';
import type { Ecs } from '../../lambdas/ports/ecs';
import type { LoadBalancer } from '../../lambdas/ports/load-balancer';
import type { MetricReader } from '../../lambdas/ports/metrics';
import type { ObjectStore } from '../../lambdas/ports/object-store';

/** A deployed stack, as the CLI reaches it: the failover functions' runtime config and the state bucket. */
export interface LiveTarget {
  readonly config: FailoverRuntimeConfig;
  readonly bucket: string;
}

/** A bad `--config`/`--bucket`: the message names the value. */
export class LiveTargetError extends Error {
  override name = 'LiveTargetError';
}

/**
 * Reads the runtime config the stack gave its failover functions (the JSON of the Lambda env var
 * BULKHEAD_FAILOVER_CONFIG; see README "Drills, live mode" for the one-line aws CLI call).
 */
export function loadLiveTarget(configFile: string | undefined, bucket: string | undefined): LiveTarget {
  if (!configFile)
    throw new LiveTargetError(
      '--live needs --config <file>: the BULKHEAD_FAILOVER_CONFIG JSON of the deployed zone-shifter',
    );
  const name = bucket ?? process.env[STATE_BUCKET_ENV];
  if (!name)
    throw new LiveTargetError(
      `--live needs --bucket <name> (the stack output StateBucketName) or ${STATE_BUCKET_ENV}`,
    );
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(configFile, 'utf8'));
  } catch (error) {
    throw new LiveTargetError(`--config ${configFile}: ${(error as Error).message}`);
  }
  const parsed = failoverRuntimeSchema.safeParse(raw);
  if (!parsed.success)
    throw new LiveTargetError(`--config ${configFile}: ${describeIssues(parsed.error.issues, raw)}`);
  return { config: parsed.data as FailoverRuntimeConfig, bucket: name };
}

/** The AWS adapters the functions use on Lambda, built for the CLI (credentials from the usual chain). */
export function livePorts(target: LiveTarget): {
  ecs: Ecs;
  loadBalancer: LoadBalancer;
  metricReader: MetricReader;
  store: ObjectStore;
} {
  return {
    ecs: createEcs(),
    loadBalancer: createLoadBalancer(),
    metricReader: createMetricReader(),
    store: new S3ObjectStore({ client: createS3Client(), bucket: target.bucket }),
  };
}
