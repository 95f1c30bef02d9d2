import { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** Props for {@link Network}. */
export interface NetworkProps {
  /** The Availability Zones to span, one cell per AZ. */
  readonly availabilityZones: readonly string[];
  /**
   * NAT gateways. One per AZ keeps every cell's egress inside its own AZ; fewer saves cost but
   * makes the AZs without a NAT depend on another AZ for outbound traffic.
   * @default one per AZ
   */
  readonly natGateways?: number;
  /**
   * Retention of the VPC flow logs.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly flowLogRetention?: logs.RetentionDays;
}

/**
 * The VPC: public subnets for the ALB and NAT gateways, private subnets with egress for the tasks,
 * one of each per AZ; flow logs of all traffic; an S3 gateway endpoint so image layers from ECR and
 * the state/backup traffic to S3 skip the NAT.
 */
export class Network extends Construct {
  /** The VPC. */
  readonly vpc: ec2.Vpc;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const azs = [...props.availabilityZones];
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      availabilityZones: azs,
      natGateways: props.natGateways ?? azs.length,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 },
      ],
      gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
    });
    const flowLogGroup = new logs.LogGroup(this, 'FlowLogs', {
      retention: props.flowLogRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogGroup),
      trafficType: ec2.FlowLogTrafficType.ALL,
    });
  }

  /** The private subnet of one AZ, where that AZ's cell runs. */
  privateSubnetIn(az: string): ec2.ISubnet {
    const subnets = this.vpc.selectSubnets({
      subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS,
      availabilityZones: [az],
    }).subnets;
    if (subnets.length !== 1) {
      throw new Error(`Expected exactly one private subnet in ${az}, found ${subnets.length}`);
    }
    return subnets[0];
  }
}
