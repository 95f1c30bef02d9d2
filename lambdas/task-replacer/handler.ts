import { createEcs, createLoadBalancer, powertoolsLog } from '../adapters/aws/failover-clients';
import { createS3Client, S3ObjectStore } from '../adapters/aws/s3-object-store';
import { EmfMetricSink } from '../adapters/aws/telemetry';
import { readFailoverEnv } from '../config/failover-runtime';
import { systemClock } from '../ports/clock';
import { createTaskReplacerHandler } from './function';

// Built once per cold start: env is read and clients are constructed outside the handler body.
const { config, stateBucket } = readFailoverEnv(process.env);

/** The AWS entry of the task-replacer (the cluster's ECS task state changes and the one-minute schedule). */
export const handler = createTaskReplacerHandler({
  ecs: createEcs(),
  loadBalancer: createLoadBalancer(),
  store: new S3ObjectStore({ client: createS3Client(), bucket: stateBucket }),
  metrics: new EmfMetricSink(),
  clock: systemClock,
  log: powertoolsLog,
  config,
});
