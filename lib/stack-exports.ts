import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as efs from 'aws-cdk-lib/aws-efs';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type * as s3 from 'aws-cdk-lib/aws-s3';

/** One zonal cell: a Fargate service pinned to one AZ, registered in its own target group. */
export interface Cell {
  /** The Availability Zone name, e.g. `us-east-1a`. */
  readonly az: string;
  readonly service: ecs.FargateService;
  readonly targetGroup: elbv2.ApplicationTargetGroup;
}

/**
 * What the zonal service exposes to the failover, backup and availability constructs, typed, so
 * no construct digs through another's children.
 */
export interface ZonalServiceExports {
  readonly vpc: ec2.IVpc;
  readonly cluster: ecs.ICluster;
  readonly cells: readonly Cell[];
  readonly loadBalancer: elbv2.IApplicationLoadBalancer;
  /** The listener whose default action forwards to every cell's target group with weights. */
  readonly listener: elbv2.ApplicationListener;
  readonly fileSystem: efs.IFileSystem;
  readonly accessPoint: efs.IAccessPoint;
  /** Security group of the service's tasks (the prober and backup functions need a path to them). */
  readonly serviceSecurityGroup: ec2.ISecurityGroup;
  /**
   * Bulkhead's own state bucket (KMS-encrypted, versioned, TLS only, no public access): audit
   * records under `audit/`, the incident log under `incidents/`, leases under `leases/`, and the
   * pause switch at `control/pause.json`. Backups use their own bucket.
   */
  readonly stateBucket: s3.IBucket;
}
