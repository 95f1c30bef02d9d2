import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { AwsLoadBalancer } from '../adapters/aws/load-balancer';
import { CloudWatchMetricReader } from '../adapters/aws/metric-reader';
import { createS3Client, S3ObjectStore } from '../adapters/aws/s3-object-store';
import { EmfMetricSink, powertoolsLog } from '../adapters/aws/telemetry';
import { FetchUrlProbe } from '../adapters/http/fetch-url-probe';
import { readAvailabilityEnv } from '../config/availability-runtime';
import { systemClock } from '../ports/clock';
import { createAvailabilityHandler } from './function';

// Built once per cold start: env is read and clients are constructed outside the handler body.
const { config, stateBucket } = readAvailabilityEnv(process.env);

/** The AWS entry of the availability function (schedule and alarm state changes). */
export const handler = createAvailabilityHandler({
  store: new S3ObjectStore({ client: createS3Client(), bucket: stateBucket }),
  metrics: new CloudWatchMetricReader(new CloudWatchClient({})),
  sink: new EmfMetricSink(),
  probe: new FetchUrlProbe(),
  loadBalancer: new AwsLoadBalancer(new ElasticLoadBalancingV2Client({})),
  clock: systemClock,
  log: powertoolsLog,
  config,
});
