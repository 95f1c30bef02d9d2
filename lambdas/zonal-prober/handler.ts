import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { FAILOVER_RETRY, SDK_CONFIG } from '../adapters/aws/failover-runtime';
import { AwsLoadBalancer } from '../adapters/aws/load-balancer';
import { createS3Client, S3ObjectStore } from '../adapters/aws/s3-object-store';
import { EmfMetricSink, metrics, powertoolsLog } from '../adapters/aws/telemetry';
import { NodeHttpProbe } from '../adapters/node/http-probe';
import { readFailoverEnv } from '../config/failover-runtime';
import { systemClock } from '../ports/clock';
import { realSleep } from '../ports/http-probe';
import { createZonalProberHandler } from './function';

// Built once per cold start: env is read and clients are constructed outside the handler body.
const { config, stateBucket } = readFailoverEnv(process.env);

/** The AWS entry of the zonal prober (the one-minute schedule; it probes every 10 s within the minute). */
export const handler = createZonalProberHandler({
  loadBalancer: new AwsLoadBalancer(new ElasticLoadBalancingV2Client(SDK_CONFIG), FAILOVER_RETRY),
  probe: new NodeHttpProbe(),
  metrics: new EmfMetricSink(metrics, 'high'),
  store: new S3ObjectStore({ client: createS3Client(), bucket: stateBucket }),
  clock: systemClock,
  sleep: realSleep,
  log: powertoolsLog,
  config,
});
