import { Validations } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { DEFAULT_IMAGE } from '../../lambdas/config/stack';
import { auditKey } from '../../lambdas/core/audit-record';
import { decisionMarkerKey, eventMarkerKey, IDEMPOTENCY_PREFIX } from '../../lambdas/core/idempotency';
import { INCIDENTS_PREFIX } from '../../lambdas/core/incidents/incident-event';
import { PAUSE_KEY } from '../../lambdas/core/pause';
import {
  type CfnProps,
  refId,
  resourcesOf,
  type Synthesized,
  synthBulkhead,
  unacknowledgedNagFindings,
} from './synth';

// One synthesis for the whole file: the default configuration (3 AZs, HTTP, default image), with CDK's
// built-in CloudFormation validation on, as `cdk synth` runs it (an error there fails the synthesis).
let built: Synthesized;
beforeAll(() => {
  built = synthBulkhead({}, { cfnValidation: true });
});

const AZS = ['us-east-1a', 'us-east-1b', 'us-east-1c'];

function subnetAz(subnetRef: unknown): string {
  return built.template.toJSON().Resources[refId(subnetRef)].Properties.AvailabilityZone;
}

function tagValue(props: CfnProps, key: string): string | undefined {
  return (props.Tags as { Key: string; Value: string }[] | undefined)?.find((t) => t.Key === key)?.Value;
}

describe('cells', () => {
  test('GIVEN 3 AZs WHEN synthesized THEN there is one Fargate service per AZ, each pinned to that AZ only', () => {
    const services = resourcesOf(built.template, 'AWS::ECS::Service');
    expect(services).toHaveLength(3);
    const azs = services.map(([, p]) => {
      const subnets = p.NetworkConfiguration.AwsvpcConfiguration.Subnets;
      expect(subnets).toHaveLength(1);
      const az = subnetAz(subnets[0]);
      expect(tagValue(p, 'bulkhead:az')).toBe(az);
      expect(p.NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp).toBe('DISABLED');
      expect(p.LaunchType).toBe('FARGATE');
      return az;
    });
    expect(azs.sort()).toEqual(AZS);
  });

  test('GIVEN the cells WHEN synthesized THEN each service runs in a private subnet (no route to an internet gateway)', () => {
    const routes = resourcesOf(built.template, 'AWS::EC2::Route');
    const assoc = resourcesOf(built.template, 'AWS::EC2::SubnetRouteTableAssociation');
    for (const [, p] of resourcesOf(built.template, 'AWS::ECS::Service')) {
      const subnet = refId(p.NetworkConfiguration.AwsvpcConfiguration.Subnets[0]);
      const table = assoc.find(([, a]) => refId(a.SubnetId) === subnet)?.[1].RouteTableId;
      const defaultRoute = routes.find(([, r]) => refId(r.RouteTableId) === refId(table))?.[1];
      expect(defaultRoute?.NatGatewayId).toBeDefined();
      expect(defaultRoute?.GatewayId).toBeUndefined();
    }
  });

  test('GIVEN the cells WHEN synthesized THEN each service is registered with its own target group', () => {
    const services = resourcesOf(built.template, 'AWS::ECS::Service');
    const tgIds = services.map(([, p]) => {
      expect(p.LoadBalancers).toHaveLength(1);
      expect(p.LoadBalancers[0]).toMatchObject({ ContainerName: 'web', ContainerPort: 8080 });
      return refId(p.LoadBalancers[0].TargetGroupArn);
    });
    expect(new Set(tgIds).size).toBe(3);
    // And the target group carries the same AZ tag as its service.
    const tgs = built.template.toJSON().Resources;
    for (const [, p] of services) {
      expect(tagValue(tgs[refId(p.LoadBalancers[0].TargetGroupArn)].Properties, 'bulkhead:az')).toBe(
        tagValue(p, 'bulkhead:az'),
      );
    }
  });

  test('GIVEN the cells WHEN synthesized THEN deployments use the circuit breaker with rollback and a grace period', () => {
    for (const [, p] of resourcesOf(built.template, 'AWS::ECS::Service')) {
      expect(p.DeploymentConfiguration).toEqual({
        DeploymentCircuitBreaker: { Enable: true, Rollback: true },
        MaximumPercent: 200,
        MinimumHealthyPercent: 100,
      });
      expect(p.HealthCheckGracePeriodSeconds).toBe(60);
      expect(p.DesiredCount).toBe(2);
    }
  });

  test('GIVEN the cells WHEN synthesized THEN each scales on its own, on CPU and on requests per target', () => {
    const targets = resourcesOf(built.template, 'AWS::ApplicationAutoScaling::ScalableTarget');
    expect(targets).toHaveLength(3);
    for (const [, p] of targets) expect(p).toMatchObject({ MinCapacity: 2, MaxCapacity: 6 });
    const policies = resourcesOf(built.template, 'AWS::ApplicationAutoScaling::ScalingPolicy');
    const metrics = policies.map(
      ([, p]) =>
        p.TargetTrackingScalingPolicyConfiguration.PredefinedMetricSpecification.PredefinedMetricType,
    );
    expect(metrics.sort()).toEqual([
      ...Array(3).fill('ALBRequestCountPerTarget'),
      ...Array(3).fill('ECSServiceAverageCPUUtilization'),
    ]);
    expect(new Set(policies.map(([, p]) => refId(p.ScalingTargetId))).size).toBe(3);
  });

  test('GIVEN the cluster WHEN synthesized THEN Container Insights is on', () => {
    built.template.hasResourceProperties('AWS::ECS::Cluster', {
      ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }],
    });
  });
});

describe('load balancer', () => {
  test('GIVEN no certificate WHEN synthesized THEN one HTTP listener forwards to every cell with equal weights, stickiness off', () => {
    const listeners = resourcesOf(built.template, 'AWS::ElasticLoadBalancingV2::Listener');
    expect(listeners).toHaveLength(1);
    const [, listener] = listeners[0];
    expect(listener).toMatchObject({ Port: 80, Protocol: 'HTTP' });
    expect(listener.DefaultActions).toHaveLength(1);
    const { ForwardConfig, Type } = listener.DefaultActions[0];
    expect(Type).toBe('forward');
    expect(ForwardConfig.TargetGroupStickinessConfig).toEqual({ Enabled: false });
    const weights = ForwardConfig.TargetGroups.map((t: { Weight: number }) => t.Weight);
    expect(weights).toEqual([1, 1, 1]);
    const forwarded = ForwardConfig.TargetGroups.map((t: { TargetGroupArn: unknown }) =>
      refId(t.TargetGroupArn),
    );
    const all = resourcesOf(built.template, 'AWS::ElasticLoadBalancingV2::TargetGroup').map(([id]) => id);
    expect(forwarded.sort()).toEqual(all.sort());
  });

  test('GIVEN the ALB WHEN synthesized THEN it drops invalid headers, logs access to S3 and has zonal shift on', () => {
    built.template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Scheme: 'internet-facing',
      LoadBalancerAttributes: Match.arrayWith([
        { Key: 'routing.http.drop_invalid_header_fields.enabled', Value: 'true' },
        { Key: 'access_logs.s3.enabled', Value: 'true' },
        { Key: 'zonal_shift.config.enabled', Value: 'true' },
      ]),
    });
  });

  test('GIVEN the access log bucket WHEN synthesized THEN it is SSE-S3 encrypted (the only kind ALB delivery takes), private and TLS only', () => {
    const [, alb] = resourcesOf(built.template, 'AWS::ElasticLoadBalancingV2::LoadBalancer')[0];
    const bucketId = refId(
      alb.LoadBalancerAttributes.find((a: { Key: string }) => a.Key === 'access_logs.s3.bucket').Value,
    );
    const bucket = built.template.toJSON().Resources[bucketId].Properties;
    expect(
      bucket.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault,
    ).toEqual({
      SSEAlgorithm: 'AES256',
    });
    expect(bucket.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expectTlsOnly(bucketId);
  });

  test('GIVEN the target groups WHEN synthesized THEN health checks are tuned for fast detection and deregistration is short', () => {
    const tgs = resourcesOf(built.template, 'AWS::ElasticLoadBalancingV2::TargetGroup');
    expect(tgs).toHaveLength(3);
    for (const [, p] of tgs) {
      expect(p).toMatchObject({
        TargetType: 'ip',
        Port: 8080,
        HealthCheckPath: '/',
        HealthCheckIntervalSeconds: 5,
        HealthCheckTimeoutSeconds: 4,
        HealthyThresholdCount: 2,
        UnhealthyThresholdCount: 2,
      });
      expect(p.TargetGroupAttributes).toEqual(
        expect.arrayContaining([
          { Key: 'deregistration_delay.timeout_seconds', Value: '30' },
          { Key: 'stickiness.enabled', Value: 'false' },
        ]),
      );
    }
  });
});

describe('container', () => {
  test('GIVEN the default config WHEN synthesized THEN the pinned public nginx image runs non-root with a read-only root and a health check', () => {
    const c = container('web');
    expect(c.Image).toBe(DEFAULT_IMAGE);
    expect(DEFAULT_IMAGE).toMatch(/^public\.ecr\.aws\/.+:\d+\.\d+\.\d+/);
    expect(c.Essential).toBe(true);
    expect(c.User).toBe('101');
    expect(c.ReadonlyRootFilesystem).toBe(true);
    expect(c.HealthCheck.Command).toEqual([
      'CMD-SHELL',
      'wget -q -O /dev/null http://127.0.0.1:8080/ || exit 1',
    ]);
    expect(c.LogConfiguration.LogDriver).toBe('awslogs');
    const logGroup = built.template.toJSON().Resources[refId(c.LogConfiguration.Options['awslogs-group'])];
    expect(logGroup.Properties.RetentionInDays).toBe(30);
  });

  test('GIVEN a read-only root WHEN synthesized THEN /tmp is a task-local volume that a one-shot init opens to nginx before it starts', () => {
    const [, td] = resourcesOf(built.template, 'AWS::ECS::TaskDefinition')[0];
    expect(td.Volumes).toContainEqual({ Name: 'tmp' });
    expect(td.ContainerDefinitions.map((d: CfnProps) => d.Name).sort()).toEqual(['tmp-permissions', 'web']);
    const init = container('tmp-permissions');
    expect(init).toMatchObject({
      Essential: false,
      User: '0',
      ReadonlyRootFilesystem: true,
      EntryPoint: ['/bin/chmod'],
      Command: ['1777', '/tmp'],
      MountPoints: [{ SourceVolume: 'tmp', ContainerPath: '/tmp', ReadOnly: false }],
    });
    expect(init.PortMappings).toBeUndefined();
    const web = container('web');
    expect(web.MountPoints).toContainEqual({ SourceVolume: 'tmp', ContainerPath: '/tmp', ReadOnly: false });
    expect(web.DependsOn).toEqual([{ ContainerName: 'tmp-permissions', Condition: 'SUCCESS' }]);
  });

  test('GIVEN the task definition WHEN synthesized THEN task role and execution role are separate', () => {
    const [, td] = resourcesOf(built.template, 'AWS::ECS::TaskDefinition')[0];
    expect(refId(td.TaskRoleArn)).not.toBe(refId(td.ExecutionRoleArn));
  });

  test('GIVEN the task and execution roles WHEN synthesized THEN no policy grants a wildcard action or an unscoped resource', () => {
    const [, td] = resourcesOf(built.template, 'AWS::ECS::TaskDefinition')[0];
    const roles = [refId(td.TaskRoleArn), refId(td.ExecutionRoleArn)];
    const policies = resourcesOf(built.template, 'AWS::IAM::Policy').filter(([, p]) =>
      p.Roles.some((r: unknown) => roles.includes(refId(r))),
    );
    expect(policies.length).toBeGreaterThanOrEqual(2);
    for (const [, p] of policies) {
      for (const s of p.PolicyDocument.Statement) {
        for (const action of [s.Action].flat()) expect(action).not.toContain('*');
        for (const resource of [s.Resource].flat()) expect(resource).not.toBe('*');
      }
    }
    for (const id of roles)
      expect(built.template.toJSON().Resources[id].Properties.ManagedPolicyArns).toBeUndefined();
  });
});

describe('data volume', () => {
  test('GIVEN the EFS file system WHEN synthesized THEN it is encrypted with one mount target per AZ', () => {
    built.template.hasResourceProperties('AWS::EFS::FileSystem', { Encrypted: true });
    const mounts = resourcesOf(built.template, 'AWS::EFS::MountTarget');
    expect(mounts.map(([, p]) => subnetAz(p.SubnetId)).sort()).toEqual(AZS);
  });

  test('GIVEN the file system policy WHEN synthesized THEN it only denies access without TLS (no blanket allow)', () => {
    const [, fs] = resourcesOf(built.template, 'AWS::EFS::FileSystem')[0];
    expect(fs.FileSystemPolicy.Statement).toEqual([
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    ]);
  });

  test('GIVEN the task definition WHEN synthesized THEN the volume is mounted through the access point with IAM and TLS', () => {
    const [, td] = resourcesOf(built.template, 'AWS::ECS::TaskDefinition')[0];
    const volume = td.Volumes.find((v: { Name: string }) => v.Name === 'data');
    expect(volume.EFSVolumeConfiguration).toMatchObject({
      TransitEncryption: 'ENABLED',
      AuthorizationConfig: { IAM: 'ENABLED' },
    });
    expect(refId(volume.EFSVolumeConfiguration.AuthorizationConfig.AccessPointId)).toBe(
      resourcesOf(built.template, 'AWS::EFS::AccessPoint')[0][0],
    );
    expect(container('web').MountPoints).toContainEqual({
      SourceVolume: 'data',
      ContainerPath: '/mnt/data',
      ReadOnly: false,
    });
  });

  test('GIVEN the task role WHEN synthesized THEN it may mount and write the file system only through the access point', () => {
    const [, td] = resourcesOf(built.template, 'AWS::ECS::TaskDefinition')[0];
    const policy = resourcesOf(built.template, 'AWS::IAM::Policy').find(([, p]) =>
      p.Roles.some((r: unknown) => refId(r) === refId(td.TaskRoleArn)),
    )?.[1];
    expect(policy?.PolicyDocument.Statement).toEqual([
      expect.objectContaining({
        Action: ['elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite'],
        Condition: { StringEquals: { 'elasticfilesystem:AccessPointArn': expect.anything() } },
      }),
    ]);
  });
});

describe('network', () => {
  test('GIVEN 3 AZs WHEN synthesized THEN each AZ has its own NAT gateway, and there are flow logs and an S3 gateway endpoint', () => {
    built.template.resourceCountIs('AWS::EC2::NatGateway', 3);
    built.template.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'ALL', ResourceType: 'VPC' });
    built.template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Gateway',
      ServiceName: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith(['.s3'])]) }),
    });
  });
});

describe('state bucket', () => {
  test('GIVEN the state bucket WHEN synthesized THEN it is KMS-encrypted, versioned, private, TLS only and logged', () => {
    const stateId = refId(built.stack.resolve(built.stack.zonal.stateBucket.bucketName));
    const bucket = built.template.toJSON().Resources[stateId].Properties;
    expect(
      bucket.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault,
    ).toMatchObject({
      SSEAlgorithm: 'aws:kms',
    });
    expect(bucket.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(bucket.PublicAccessBlockConfiguration.BlockPublicPolicy).toBe(true);
    expect(bucket.LoggingConfiguration.LogFilePrefix).toBe('s3/state/');
    expectTlsOnly(stateId);
    built.template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  test('GIVEN the state bucket WHEN synthesized THEN idempotency markers expire after 7 days (their old versions a day later), and audit records and incidents never expire', () => {
    const stateId = refId(built.stack.resolve(built.stack.zonal.stateBucket.bucketName));
    // The prefix the rule names is the one the functions write their markers under.
    expect(eventMarkerKey('zone-shifter', 'e-1').startsWith(IDEMPOTENCY_PREFIX)).toBe(true);
    expect(decisionMarkerKey('task-replacer', ['stop:arn']).startsWith(IDEMPOTENCY_PREFIX)).toBe(true);
    built.template.hasResource('AWS::S3::Bucket', {
      Properties: {
        LifecycleConfiguration: {
          Rules: Match.arrayWith([
            Match.objectLike({
              Id: 'noncurrent-versions',
              NoncurrentVersionExpiration: { NoncurrentDays: 30 },
              ExpiredObjectDeleteMarker: true,
            }),
            {
              Id: 'idempotency-markers',
              Prefix: IDEMPOTENCY_PREFIX,
              ExpirationInDays: 7,
              NoncurrentVersionExpiration: { NoncurrentDays: 1 },
              Status: 'Enabled',
            },
          ]),
        },
        LoggingConfiguration: Match.objectLike({ LogFilePrefix: 's3/state/' }),
      },
    });
    // No rule that deletes current versions reaches the audit trail or the incident log.
    const rules: CfnProps[] =
      built.template.toJSON().Resources[stateId].Properties.LifecycleConfiguration.Rules;
    const expiring = rules.filter((r) => r.ExpirationInDays !== undefined || r.ExpirationDate !== undefined);
    expect(expiring.map((r) => r.Prefix)).toEqual([IDEMPOTENCY_PREFIX]);
    for (const kept of [
      auditKey({ decidedAtMs: 0, function: 'zone-shifter', id: 'd-1' }),
      `${INCIDENTS_PREFIX}2026-01-01/x.json`,
      PAUSE_KEY,
    ])
      expect(expiring.some((r) => kept.startsWith(r.Prefix ?? ''))).toBe(false);
  });
});

describe('alarm topic', () => {
  test('GIVEN no alarm e-mail WHEN synthesized THEN the topic exists, KMS-encrypted with a key CloudWatch may use, and unsubscribed', () => {
    const [, topic] = resourcesOf(built.template, 'AWS::SNS::Topic')[0];
    const key = built.template.toJSON().Resources[refId(topic.KmsMasterKeyId)].Properties;
    expect(key.EnableKeyRotation).toBe(true);
    expect(key.KeyPolicy.Statement).toContainEqual(
      expect.objectContaining({
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      }),
    );
    built.template.resourceCountIs('AWS::SNS::Subscription', 0);
    expect(built.stack.alarmTopic.node.path).toBe('Bulkhead/Alarms/Topic');
  });
});

describe('exports', () => {
  test('GIVEN the stack WHEN built THEN it exposes one typed cell per AZ with its service and target group', () => {
    const { zonal } = built.stack;
    expect(zonal.cells.map((c) => c.az)).toEqual(AZS);
    expect(new Set(zonal.cells.map((c) => c.targetGroup)).size).toBe(3);
    expect(zonal.listener.node.path).toBe('Bulkhead/ZonalService/LoadBalancer/Http');
    expect(zonal.fileSystem.node.path).toBe('Bulkhead/Data/FileSystem');
    expect(zonal.accessPoint.node.path).toBe('Bulkhead/Data/FileSystem/AccessPoint');
    expect(zonal.cluster.node.path).toBe('Bulkhead/ZonalService/Cluster');
    expect(zonal.serviceSecurityGroup.node.path).toBe('Bulkhead/ZonalService/ServiceSecurityGroup');
  });

  test('GIVEN the stack WHEN synthesized THEN the endpoint and listener are stack outputs', () => {
    const outputs = built.template.toJSON().Outputs;
    expect(Object.keys(outputs).sort()).toEqual([
      'BackupRepositoryUrl',
      'CellServices',
      'ClusterName',
      'Endpoint',
      'ListenerArn',
      'StateBucketName',
    ]);
  });
});

describe('cdk-nag', () => {
  test('GIVEN AwsSolutions checks WHEN run over the whole app THEN nothing is left unacknowledged', () => {
    expect(unacknowledgedNagFindings(built)).toEqual([]);
  });

  test('GIVEN the acknowledgements WHEN listed THEN each sits on one construct, not the app or stack, and gives a reason', () => {
    const acks = built.app.node
      .findAll()
      .flatMap((c) =>
        c.node.metadata
          .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
          .flatMap((m) =>
            Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({ id, reason, c })),
          ),
      )
      .filter((a) => a.id.includes('AwsSolutions-'));
    expect(acks.map((a) => `${a.id} at ${a.c.node.path}`).sort()).toEqual(
      expect.arrayContaining([
        'Annotation::AwsSolutions-EC23 at Bulkhead/ZonalService/LoadBalancer',
        'Annotation::AwsSolutions-S1 at Bulkhead/AccessLogs/Bucket',
      ]),
    );
    for (const { reason, c } of acks) {
      // app > stack > construct: never a blanket acknowledgement on the app or the whole stack.
      expect(c.node.scopes.length).toBeGreaterThan(2);
      expect(reason.length).toBeGreaterThan(60);
    }
  });
});

describe('snapshot', () => {
  test('GIVEN the default config WHEN synthesized THEN the template matches the snapshot (asset hashes masked)', () => {
    const masked = JSON.parse(
      JSON.stringify(built.template.toJSON()).replace(/[0-9a-f]{64}/g, '[ASSET HASH]'),
    );
    expect(masked).toMatchSnapshot();
  });
});

function container(name: string): CfnProps {
  const [, td] = resourcesOf(built.template, 'AWS::ECS::TaskDefinition')[0];
  return td.ContainerDefinitions.find((d: CfnProps) => d.Name === name);
}

function expectTlsOnly(bucketLogicalId: string): void {
  const policy = resourcesOf(built.template, 'AWS::S3::BucketPolicy').find(
    ([, p]) => refId(p.Bucket) === bucketLogicalId,
  )?.[1];
  expect(policy?.PolicyDocument.Statement).toContainEqual(
    expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
  );
}
