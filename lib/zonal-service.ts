import * as path from 'node:path';
import { CfnOutput, Duration, RemovalPolicy, Stack, Tags, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as efs from 'aws-cdk-lib/aws-efs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { CELL_WEIGHT, DEFAULT_IMAGE, type StackConfig } from '../lambdas/config/stack';
import type { Cell } from './stack-exports';

/** Name of the service's container in the task definition (health checks and targets refer to it). */
export const CONTAINER_NAME = 'web';

/** Name of the one-shot container that makes the task-local /tmp writable for the default image's user. */
export const TMP_INIT_CONTAINER_NAME = 'tmp-permissions';

/** Tag on each cell's ECS service naming its AZ, so functions can map a service to its AZ at run time. */
export const AZ_TAG = 'bulkhead:az';

/** Props for {@link ZonalService}. */
export interface ZonalServiceProps {
  /** The VPC: the ALB goes in its public subnets, the cells in the given private ones. */
  readonly vpc: ec2.IVpc;
  /** One entry per AZ: the AZ and the private subnet its cell runs in. */
  readonly zones: readonly { readonly az: string; readonly subnet: ec2.ISubnet }[];
  /** The service, target group and certificate settings. */
  readonly config: Pick<
    StackConfig,
    'service' | 'targetGroup' | 'certificateArn' | 'logRetentionDays' | 'volume'
  >;
  /** The data volume mounted into every task. */
  readonly fileSystem: efs.FileSystem;
  /** The access point the tasks mount the data volume through (IAM-authorized, TLS). */
  readonly accessPoint: efs.AccessPoint;
  /** Bucket for the ALB's access logs (SSE-S3: ALB log delivery accepts no other encryption). */
  readonly accessLogsBucket: s3.IBucket;
  /**
   * Folder `image.type: 'asset'` paths are relative to.
   * @default the repository root
   */
  readonly assetRoot?: string;
}

/**
 * The zonal cells: one ECS cluster, one task definition, and per AZ one Fargate service pinned to that
 * AZ's private subnet and registered in its own target group; one internet-facing ALB whose listener
 * forwards to every cell's target group with equal weights. Changing a weight moves traffic between
 * AZs without touching the services, which is the knob failover turns.
 */
export class ZonalService extends Construct {
  /** The ECS cluster every cell runs in (Container Insights on). */
  readonly cluster: ecs.Cluster;
  /** The one task definition all cells share (a deploy rolls every cell to the same revision). */
  readonly taskDefinition: ecs.FargateTaskDefinition;
  /** One cell per AZ, in the order of the zones given. */
  readonly cells: readonly Cell[];
  /** The internet-facing ALB in front of all cells. */
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  /** The listener that forwards to the cells (HTTPS when a certificate is configured, HTTP otherwise). */
  readonly listener: elbv2.ApplicationListener;
  /** Security group of every cell's tasks: in from the ALB, out to HTTPS and to EFS. */
  readonly serviceSecurityGroup: ec2.SecurityGroup;
  /** The URL clients use, e.g. `http://<alb dns name>`. */
  readonly endpoint: string;

  constructor(scope: Construct, id: string, props: ZonalServiceProps) {
    super(scope, id);
    const { service, targetGroup: tgConfig } = props.config;
    const { vpc } = props;

    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });

    this.serviceSecurityGroup = new ec2.SecurityGroup(this, 'ServiceSecurityGroup', {
      vpc,
      description: 'Bulkhead service tasks: in from the ALB only; out to HTTPS (image pull, logs) and EFS',
      allowAllOutbound: false,
    });
    this.serviceSecurityGroup.addEgressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(443),
      'HTTPS to ECR Public, CloudWatch Logs and S3',
    );
    props.fileSystem.connections.allowDefaultPortFrom(
      this.serviceSecurityGroup,
      'NFS from the service tasks',
    );

    this.taskDefinition = this.buildTaskDefinition(props);

    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc,
      internetFacing: true,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      dropInvalidHeaderFields: true,
    });
    this.loadBalancer.logAccessLogs(props.accessLogsBucket, 'alb');
    // Lets operators shift traffic away from an AZ by hand with Route 53 ARC, next to Bulkhead's own weights.
    this.loadBalancer.setAttribute('zonal_shift.config.enabled', 'true');
    Validations.of(this.loadBalancer).acknowledge({
      id: 'AwsSolutions-EC23',
      reason:
        'The Bulkhead ALB is the public entry point of the web service, so its listener ports (80, and 443 ' +
        'with a certificate) are open to 0.0.0.0/0; the tasks behind it accept traffic from this ALB only.',
    });

    const cellParts = props.zones.map(({ az, subnet }) => {
      const cellScope = new Construct(this, `Cell-${az}`);
      const fargate = new ecs.FargateService(cellScope, 'Service', {
        cluster: this.cluster,
        taskDefinition: this.taskDefinition,
        desiredCount: service.desiredCount,
        vpcSubnets: { subnets: [subnet] },
        securityGroups: [this.serviceSecurityGroup],
        assignPublicIp: false,
        circuitBreaker: { enable: true, rollback: true },
        healthCheckGracePeriod: Duration.seconds(service.healthCheckGracePeriodSeconds),
        minHealthyPercent: 100,
        maxHealthyPercent: 200,
        platformVersion: ecs.FargatePlatformVersion.LATEST,
        propagateTags: ecs.PropagatedTagSource.SERVICE,
        enableECSManagedTags: true,
        availabilityZoneRebalancing: ecs.AvailabilityZoneRebalancing.DISABLED,
      });
      Tags.of(fargate).add(AZ_TAG, az);
      const targetGroup = new elbv2.ApplicationTargetGroup(cellScope, 'TargetGroup', {
        vpc,
        port: service.port,
        protocol: elbv2.ApplicationProtocol.HTTP,
        targetType: elbv2.TargetType.IP,
        deregistrationDelay: Duration.seconds(tgConfig.deregistrationDelaySeconds),
        healthCheck: {
          path: service.healthCheckPath,
          interval: Duration.seconds(tgConfig.healthCheckIntervalSeconds),
          timeout: Duration.seconds(tgConfig.healthCheckTimeoutSeconds),
          healthyThresholdCount: tgConfig.healthyThreshold,
          unhealthyThresholdCount: tgConfig.unhealthyThreshold,
          healthyHttpCodes: '200-399',
        },
        targets: [fargate.loadBalancerTarget({ containerName: CONTAINER_NAME, containerPort: service.port })],
      });
      Tags.of(targetGroup).add(AZ_TAG, az);
      return { az, service: fargate, targetGroup };
    });
    this.cells = cellParts;

    const forward = elbv2.ListenerAction.weightedForward(
      cellParts.map((c) => ({ targetGroup: c.targetGroup, weight: CELL_WEIGHT })),
    );
    if (props.config.certificateArn) {
      this.listener = this.loadBalancer.addListener('Https', {
        port: 443,
        protocol: elbv2.ApplicationProtocol.HTTPS,
        certificates: [elbv2.ListenerCertificate.fromArn(props.config.certificateArn)],
        sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
        defaultAction: forward,
      });
      this.loadBalancer.addRedirect({ sourcePort: 80, targetPort: 443 });
      this.endpoint = `https://${this.loadBalancer.loadBalancerDnsName}`;
    } else {
      // Demo default: plain HTTP. Configure `certificateArn` for HTTPS with a redirect from HTTP.
      this.listener = this.loadBalancer.addListener('Http', {
        port: 80,
        protocol: elbv2.ApplicationProtocol.HTTP,
        defaultAction: forward,
      });
      this.endpoint = `http://${this.loadBalancer.loadBalancerDnsName}`;
    }
    // Explicitly off: sticky sessions would pin clients to an evacuated AZ's target group.
    (this.listener.node.defaultChild as elbv2.CfnListener).addPropertyOverride(
      'DefaultActions.0.ForwardConfig.TargetGroupStickinessConfig',
      { Enabled: false },
    );

    // Scaling needs the target groups attached to the listener (the request metric names the ALB).
    for (const cell of cellParts) {
      const scaling = cell.service.autoScaleTaskCount({
        minCapacity: service.minCapacity,
        maxCapacity: service.maxCapacity,
      });
      scaling.scaleOnCpuUtilization('Cpu', {
        targetUtilizationPercent: service.targetCpuPercent,
        scaleOutCooldown: Duration.seconds(60),
        scaleInCooldown: Duration.seconds(300),
      });
      scaling.scaleOnRequestCount('Requests', {
        targetGroup: cell.targetGroup,
        requestsPerTarget: service.requestsPerTarget,
        scaleOutCooldown: Duration.seconds(60),
        scaleInCooldown: Duration.seconds(300),
      });
    }

    // Plain output names (no hash suffix), so scripts and the README can name them.
    const outputs: Record<string, { value: string; description: string }> = {
      Endpoint: { value: this.endpoint, description: 'URL of the Bulkhead service' },
      ListenerArn: {
        value: this.listener.listenerArn,
        description: 'Listener whose weights steer traffic between cells',
      },
      ClusterName: { value: this.cluster.clusterName, description: 'ECS cluster of the cells' },
      CellServices: {
        value: Stack.of(this).toJsonString(
          Object.fromEntries(cellParts.map((c) => [c.az, c.service.serviceName])),
        ),
        description: 'AZ -> ECS service name of each cell',
      },
    };
    for (const [name, output] of Object.entries(outputs)) {
      new CfnOutput(this, name, output).overrideLogicalId(name);
    }
  }

  private buildTaskDefinition(props: ZonalServiceProps): ecs.FargateTaskDefinition {
    const { service, volume } = props.config;
    const isDefaultImage = service.image.type === 'registry' && service.image.name === DEFAULT_IMAGE;

    // Separate roles: the execution role pulls the image and writes logs (ECS agent); the task role is
    // what the container's code may do, here only mount and write the EFS volume through its access point.
    const executionRole = new iam.Role(this, 'ExecutionRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: 'Bulkhead ECS agent: pull the service image, write container logs',
    });
    const taskRole = new iam.Role(this, 'TaskRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: 'Bulkhead service containers: mount the data volume through its access point',
    });
    taskRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite'],
        resources: [props.fileSystem.fileSystemArn],
        conditions: {
          StringEquals: { 'elasticfilesystem:AccessPointArn': props.accessPoint.accessPointArn },
        },
      }),
    );

    const taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', {
      cpu: service.cpu,
      memoryLimitMiB: service.memoryMiB,
      executionRole,
      taskRole,
      runtimePlatform: {
        cpuArchitecture: ecs.CpuArchitecture.X86_64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
      volumes: [
        {
          name: 'data',
          efsVolumeConfiguration: {
            fileSystemId: props.fileSystem.fileSystemId,
            transitEncryption: 'ENABLED',
            authorizationConfig: { accessPointId: props.accessPoint.accessPointId, iam: 'ENABLED' },
          },
        },
      ],
    });

    const logGroup = new logs.LogGroup(this, 'ServiceLogs', {
      retention: props.config.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const image =
      service.image.type === 'registry'
        ? ecs.ContainerImage.fromRegistry(service.image.name)
        : ecs.ContainerImage.fromAsset(
            path.resolve(props.assetRoot ?? path.join(__dirname, '..'), service.image.directory),
          );

    const logging = ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: 'cell' });
    const healthUrl = `http://127.0.0.1:${service.port}${service.healthCheckPath}`;
    const container = taskDefinition.addContainer(CONTAINER_NAME, {
      image,
      essential: true,
      readonlyRootFilesystem: service.readonlyRootFilesystem,
      // The default image's nginx user; custom images keep the user their Dockerfile sets.
      user: isDefaultImage ? '101' : undefined,
      portMappings: [{ containerPort: service.port, protocol: ecs.Protocol.TCP }],
      logging,
      healthCheck: {
        // busybox wget ships in the alpine nginx images; curl does not.
        command: ['CMD-SHELL', `wget -q -O /dev/null ${healthUrl} || exit 1`],
        interval: Duration.seconds(10),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(15),
      },
    });
    if (service.image.type === 'asset') {
      Validations.of(executionRole).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'With image type "asset" the Bulkhead execution role pulls the service image from the CDK bootstrap ' +
          'ECR repository; ecr:GetAuthorizationToken has no resource-level permissions, so it takes "*". ' +
          'The layer-pull actions stay scoped to that one repository.',
      });
    }
    container.addMountPoints({ sourceVolume: 'data', containerPath: volume.mountPath, readOnly: false });

    if (service.readonlyRootFilesystem) {
      // Task-local scratch space, since the root file system is read-only: nginx keeps its pid and temp
      // files in /tmp. Fargate creates a bind mount as root:root 0755 unless the image declares the path
      // as a VOLUME (then it copies the image's ownership and mode; service/Dockerfile does that).
      taskDefinition.addVolume({ name: 'tmp' });
      container.addMountPoints({ sourceVolume: 'tmp', containerPath: '/tmp', readOnly: false });
      if (isDefaultImage) {
        // The public image declares no VOLUME, so a one-shot init container opens /tmp to the nginx user
        // (mode 1777, as /tmp always is) and exits; nginx starts only after it succeeded. It runs as root
        // only for that chmod, with a read-only root, no ports and no task-role use.
        const init = taskDefinition.addContainer(TMP_INIT_CONTAINER_NAME, {
          image,
          essential: false,
          user: '0',
          readonlyRootFilesystem: true,
          entryPoint: ['/bin/chmod'],
          command: ['1777', '/tmp'],
          logging,
        });
        init.addMountPoints({ sourceVolume: 'tmp', containerPath: '/tmp', readOnly: false });
        container.addContainerDependencies({
          container: init,
          condition: ecs.ContainerDependencyCondition.SUCCESS,
        });
      }
    }
    return taskDefinition;
  }
}
