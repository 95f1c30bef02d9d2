import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { AwsEcs } from './ecs';
import { FAILOVER_RETRY, SDK_CONFIG } from './failover-runtime';
import { AwsLoadBalancer } from './load-balancer';
import { CloudWatchMetricReader } from './metric-reader';
import { RetryingMetricReader } from './retrying-metric-reader';

export { FAILOVER_RETRY, SDK_CONFIG } from './failover-runtime';
export { powertoolsLog } from './telemetry';

/** ECS port, built once per cold start. */
export const createEcs = (): AwsEcs => new AwsEcs(new ECSClient(SDK_CONFIG), FAILOVER_RETRY);
/** ELBv2 port, built once per cold start. */
export const createLoadBalancer = (): AwsLoadBalancer =>
  new AwsLoadBalancer(new ElasticLoadBalancingV2Client(SDK_CONFIG), FAILOVER_RETRY);
/** CloudWatch GetMetricData port with retries, built once per cold start. */
export const createMetricReader = (): RetryingMetricReader =>
  new RetryingMetricReader(new CloudWatchMetricReader(new CloudWatchClient(SDK_CONFIG)), FAILOVER_RETRY);
