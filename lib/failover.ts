import { CfnOutput, Duration, Fn, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  DEFAULT_PROBES_PER_TARGET,
  FAILOVER_CONFIG_ENV,
  type FailoverConfig,
  type FailoverRuntimeConfig,
  resolveFailoverPolicy,
  STATE_BUCKET_ENV,
} from '../lambdas/config/failover';
import {
  NO_HEALTHY_TARGETS_ALARM,
  PROBE_NAMESPACE,
  PROBER_SERVICE,
  probeAlarmShape,
  probeCellDimensions,
  probeDimensions,
} from '../lambdas/core/cell-metrics';
import { impairmentAlarmName } from '../lambdas/core/failover-events';
import { BulkheadFunction } from './function';
import { renderForNag } from './nag';
import type { ZonalServiceExports } from './stack-exports';

/**
 * Actions granted on `*`, each because AWS offers no resource-level permission for it. The
 * construct test checks that every `*` grant is in this table, and that none of them mutates.
 */
export const UNSCOPED_ACTIONS: Readonly<Record<string, string>> = {
  'elasticloadbalancing:DescribeListeners':
    'ELBv2 Describe* actions support no resource-level permissions (Service Authorization Reference)',
  'elasticloadbalancing:DescribeTargetHealth':
    'ELBv2 Describe* actions support no resource-level permissions (Service Authorization Reference)',
  'cloudwatch:GetMetricData': 'GetMetricData supports no resource-level permissions',
  'ecs:ListTasks':
    'ListTasks is authorized on container instances; it is narrowed by the ecs:cluster condition',
  'xray:PutTraceSegments': 'X-Ray tracing (BulkheadFunction default) supports no resource-level permissions',
  'xray:PutTelemetryRecords':
    'X-Ray tracing (BulkheadFunction default) supports no resource-level permissions',
};

/** Props for {@link Failover}. */
export interface FailoverProps {
  /** What the zonal service exposes: cluster, cells, listener, VPC, state bucket. */
  readonly zonal: ZonalServiceExports;
  /**
   * Deploy-time settings (cdk.json context `bulkhead.failover`); see `lambdas/config/failover.ts`.
   * @default every documented default
   */
  readonly config?: FailoverConfig;
  /**
   * Topic the impairment and dead-letter-queue alarms notify.
   * @default no notification (the alarms still drive the zone-shifter)
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * Port the service's tasks listen on (the prober's security group may reach it).
   * @default 8080
   */
  readonly servicePort?: number;
  /**
   * Path the prober requests on each target.
   * @default config.healthPath, else '/'
   */
  readonly healthPath?: string;
  /**
   * Reserved concurrency 1 for the zone-shifter, on top of the S3 lease. Off by default: it fails
   * to deploy on accounts with a low concurrency quota, and the lease already serializes runs.
   * @default undefined (no reservation)
   */
  readonly zoneShifterReservedConcurrency?: number;
}

/** Timeouts: the run lease must expire before a run that held it could still be running. */
const ZONE_SHIFTER_TIMEOUT = Duration.seconds(60);
const TASK_REPLACER_TIMEOUT = Duration.seconds(60);
const PROBER_TIMEOUT = Duration.seconds(75);

/**
 * A metric-math divisor that is never below 1: `IF(x > 1, x, 1)`, for a count that may be 0 (no
 * requests, no probes). IF takes a series and a scalar, which an array function may not.
 */
function atLeastOne(x: string): string {
  return `IF(${x} > 1, ${x}, 1)`;
}

/**
 * Failover: the zone-shifter (evacuates an impaired AZ and brings it back), the task-replacer
 * (replaces what ECS won't) and the zonal prober, with per-AZ impairment alarms, EventBridge
 * rules, a one-minute schedule, dead-letter queues with depth alarms, and IAM scoped to this
 * cluster's services, this listener and the state bucket's prefixes.
 */
export class Failover extends Construct {
  /** The zone-shifter function. */
  readonly zoneShifter: BulkheadFunction;
  /** The task-replacer function. */
  readonly taskReplacer: BulkheadFunction;
  /** The zonal prober function (in the VPC). */
  readonly prober: BulkheadFunction;
  /**
   * Per-AZ impairment alarms: `alb` on the ALB's per-target-group metrics, `probe` on the prober's
   * failures, `targets` on the prober's 10-s healthy-target count (no healthy target left).
   */
  readonly impairmentAlarms: Readonly<
    Record<
      string,
      { readonly alb: cloudwatch.Alarm; readonly probe: cloudwatch.Alarm; readonly targets: cloudwatch.Alarm }
    >
  >;
  /** Dead-letter queue of each function, by function folder name. */
  readonly deadLetterQueues: Readonly<Record<string, sqs.Queue>>;
  /** Alarm names are `<alarmPrefix><az>-alb|probe|targets`; the zone-shifter ignores any other. */
  readonly alarmPrefix: string;

  constructor(scope: Construct, id: string, props: FailoverProps) {
    super(scope, id);
    const { zonal } = props;
    const config = props.config ?? {};
    const policy = resolveFailoverPolicy(config);
    const stack = Stack.of(this);
    if (zonal.cells.length < 1 || zonal.cells.length > 5) {
      throw new Error(
        `Failover needs 1 to 5 cells (an ALB forward action takes at most 5 target groups); got ${zonal.cells.length}`,
      );
    }
    const runLeaseTtlMs = config.runLeaseTtlMs ?? 50_000;
    if (runLeaseTtlMs >= ZONE_SHIFTER_TIMEOUT.toMilliseconds()) {
      throw new Error(
        `runLeaseTtlMs (${runLeaseTtlMs}) must be shorter than the zone-shifter timeout (${ZONE_SHIFTER_TIMEOUT.toMilliseconds()} ms)`,
      );
    }
    this.alarmPrefix = `${stack.stackName}-az-`;

    const runtime: FailoverRuntimeConfig = {
      clusterName: zonal.cluster.clusterName,
      clusterArn: zonal.cluster.clusterArn,
      listenerArn: zonal.listener.listenerArn,
      alarmPrefix: this.alarmPrefix,
      cells: zonal.cells.map((c) => ({
        az: c.az,
        serviceName: c.service.serviceName,
        targetGroupArn: c.targetGroup.targetGroupArn,
      })),
      policy,
      healthPath: props.healthPath ?? config.healthPath ?? '/',
      probeIntervalSeconds: config.probeIntervalSeconds ?? 10,
      probesPerTarget: config.probesPerTarget ?? DEFAULT_PROBES_PER_TARGET,
      probeTimeoutMs: config.probeTimeoutMs ?? 2_000,
      runLeaseTtlMs,
    };
    const environment = {
      [FAILOVER_CONFIG_ENV]: stack.toJsonString(runtime),
      [STATE_BUCKET_ENV]: zonal.stateBucket.bucketName,
      POWERTOOLS_METRICS_NAMESPACE: 'Bulkhead',
    };

    const dlqs: Record<string, sqs.Queue> = {};
    const deadLetterQueue = (name: string): sqs.Queue => {
      const queue = new sqs.Queue(this, `${name}Dlq`, {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
      const alarm = new cloudwatch.Alarm(this, `${name}DlqDepth`, {
        alarmDescription: `Failed asynchronous invocations of the ${name} function are waiting in its dead-letter queue`,
        metric: queue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(1),
          statistic: 'Maximum',
        }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      if (props.alarmTopic) alarm.addAlarmAction(new cwActions.SnsAction(props.alarmTopic));
      Validations.of(queue).acknowledge({
        id: 'AwsSolutions-SQS3',
        reason: `This queue is itself the dead-letter queue of the ${name} function's asynchronous invocations and EventBridge targets; its depth is alarmed`,
      });
      dlqs[name] = queue;
      return queue;
    };

    const fn = (
      name: string,
      description: string,
      timeout: Duration,
      extra: Partial<ConstructorParameters<typeof BulkheadFunction>[2]> = {},
    ) => {
      const dlq = deadLetterQueue(name);
      const f = new BulkheadFunction(this, name, {
        functionDir: name,
        description,
        timeout,
        environment: { ...environment, POWERTOOLS_SERVICE_NAME: name },
        deadLetterQueue: dlq,
        retryAttempts: 2,
        maxEventAge: Duration.minutes(10),
        ...extra,
      });
      return { f, dlq };
    };

    const zs = fn(
      'zone-shifter',
      'Bulkhead: evacuates an impaired AZ from the listener and brings it back',
      ZONE_SHIFTER_TIMEOUT,
      {
        reservedConcurrentExecutions: props.zoneShifterReservedConcurrency,
      },
    );
    const tr = fn(
      'task-replacer',
      'Bulkhead: replaces what ECS will not (crash loops, stuck and probe-failing tasks)',
      TASK_REPLACER_TIMEOUT,
    );
    const proberSg = new ec2.SecurityGroup(this, 'ProberSecurityGroup', {
      vpc: zonal.vpc,
      description: 'Bulkhead zonal prober: reaches the service tasks on their port and AWS APIs over HTTPS',
      allowAllOutbound: false,
    });
    proberSg.addEgressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(443),
      'AWS APIs (ELBv2, S3, CloudWatch Logs) over HTTPS',
    );
    proberSg.connections.allowTo(
      zonal.serviceSecurityGroup,
      ec2.Port.tcp(props.servicePort ?? 8080),
      'Prober to the service tasks',
    );
    const pr = fn(
      PROBER_SERVICE,
      'Bulkhead: probes every cell target at the health path every 10 s',
      PROBER_TIMEOUT,
      {
        vpc: zonal.vpc,
        vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
        securityGroups: [proberSg],
      },
    );
    this.zoneShifter = zs.f;
    this.taskReplacer = tr.f;
    this.prober = pr.f;
    this.deadLetterQueues = dlqs;

    // ---- IAM: scoped to this cluster's services, this listener and the state bucket's prefixes ----
    const granted = new Map<lambda.IFunction, iam.PolicyStatement[]>();
    const grant = (f: lambda.IFunction, statement: iam.PolicyStatement) => {
      f.addToRolePolicy(statement);
      granted.set(f, [...(granted.get(f) ?? []), statement]);
    };
    const serviceArns = zonal.cells.map((c) => c.service.serviceArn);
    const taskArns = stack.formatArn({
      service: 'ecs',
      resource: 'task',
      resourceName: `${zonal.cluster.clusterName}/*`,
    });
    const bucket = zonal.stateBucket;
    // Prefixes (ending in `/`) grant the objects under them; other keys grant that one object.
    const objects = (...keys: string[]) =>
      keys.map((k) => bucket.arnForObjects(k.endsWith('/') ? `${k}*` : k));
    const listPrefixes = (fnRole: lambda.IFunction, prefixes: string[]) =>
      grant(
        fnRole,
        new iam.PolicyStatement({
          actions: ['s3:ListBucket'],
          resources: [bucket.bucketArn],
          conditions: { StringLike: { 's3:prefix': prefixes.map((p) => `${p}*`) } },
        }),
      );
    const describeElb = new iam.PolicyStatement({
      actions: ['elasticloadbalancing:DescribeListeners', 'elasticloadbalancing:DescribeTargetHealth'],
      resources: ['*'],
    });

    // zone-shifter: the listener, the cells' desired counts, metrics, and its state, lease, markers, audit.
    grant(
      zs.f,
      new iam.PolicyStatement({
        actions: ['elasticloadbalancing:ModifyListener'],
        resources: [zonal.listener.listenerArn],
      }),
    );
    grant(
      zs.f,
      new iam.PolicyStatement({
        actions: ['ecs:DescribeServices', 'ecs:UpdateService'],
        resources: serviceArns,
      }),
    );
    grant(zs.f, describeElb);
    grant(zs.f, new iam.PolicyStatement({ actions: ['cloudwatch:GetMetricData'], resources: ['*'] }));
    grant(
      zs.f,
      new iam.PolicyStatement({
        actions: ['s3:GetObject'],
        resources: objects('control/', 'leases/zone-shifter.json'),
      }),
    );
    grant(
      zs.f,
      new iam.PolicyStatement({
        actions: ['s3:PutObject'],
        resources: objects(
          'control/shift.json',
          'control/idempotency/zone-shifter/',
          'leases/zone-shifter.json',
          'audit/',
        ),
      }),
    );
    grant(
      zs.f,
      new iam.PolicyStatement({
        actions: ['s3:DeleteObject'],
        resources: objects('leases/zone-shifter.json'),
      }),
    );
    listPrefixes(zs.f, ['audit/']);

    // task-replacer: stops of this cluster's tasks, the cells' services, its state, markers, audit.
    grant(
      tr.f,
      new iam.PolicyStatement({
        actions: ['ecs:StopTask', 'ecs:DescribeTasks'],
        resources: [taskArns],
        conditions: { ArnEquals: { 'ecs:cluster': zonal.cluster.clusterArn } },
      }),
    );
    grant(
      tr.f,
      new iam.PolicyStatement({
        actions: ['ecs:ListTasks'],
        resources: ['*'],
        conditions: { ArnEquals: { 'ecs:cluster': zonal.cluster.clusterArn } },
      }),
    );
    grant(
      tr.f,
      new iam.PolicyStatement({
        actions: ['ecs:DescribeServices', 'ecs:UpdateService'],
        resources: serviceArns,
      }),
    );
    grant(
      tr.f,
      new iam.PolicyStatement({ actions: ['elasticloadbalancing:DescribeTargetHealth'], resources: ['*'] }),
    );
    grant(
      tr.f,
      new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: objects('control/', 'audit/') }),
    );
    grant(
      tr.f,
      new iam.PolicyStatement({
        actions: ['s3:PutObject'],
        resources: objects('control/task-replacer/', 'control/idempotency/task-replacer/', 'audit/'),
      }),
    );
    listPrefixes(tr.f, ['audit/']);
    // Rolling back passes the service's task definition and roles; UpdateService with a new task
    // definition needs iam:PassRole on the roles that task definition names.
    grant(
      tr.f,
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [
          stack.formatArn({
            service: 'iam',
            region: '',
            resource: 'role',
            resourceName: `${stack.stackName}-*`,
          }),
        ],
        conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      }),
    );

    // prober: target health, its per-AZ probe state.
    grant(
      pr.f,
      new iam.PolicyStatement({ actions: ['elasticloadbalancing:DescribeTargetHealth'], resources: ['*'] }),
    );
    grant(
      pr.f,
      new iam.PolicyStatement({
        actions: ['s3:GetObject', 's3:PutObject'],
        resources: objects('control/probes/'),
      }),
    );

    // The state bucket is KMS-encrypted: each function may use its key for the objects above.
    for (const f of [zs.f, tr.f, pr.f]) bucket.encryptionKey?.grantEncryptDecrypt(f);

    // ---- Detection: per-AZ impairment alarms ----
    const alarms: Record<
      string,
      { alb: cloudwatch.Alarm; probe: cloudwatch.Alarm; targets: cloudwatch.Alarm }
    > = {};
    const d = policy.detection;
    // `app/<name>/<id>`: the ARN's resource path after `loadbalancer/` (works for imported ALBs too).
    const arnParts = Fn.split('/', zonal.loadBalancer.loadBalancerArn);
    const lbDim = Fn.join('/', [Fn.select(1, arnParts), Fn.select(2, arnParts), Fn.select(3, arnParts)]);
    const alb = (metricName: string, statistic: string, dims: Record<string, string>) =>
      new cloudwatch.Metric({ namespace: 'AWS/ApplicationELB', metricName, statistic, dimensionsMap: dims });
    const probe = (metricName: string, statistic: string, az: string) =>
      new cloudwatch.Metric({
        namespace: PROBE_NAMESPACE,
        metricName,
        statistic,
        dimensionsMap: probeDimensions(lbDim, az),
      });
    const probeAll = (metricName: string, statistic: string) =>
      new cloudwatch.Metric({
        namespace: PROBE_NAMESPACE,
        metricName,
        statistic,
        dimensionsMap: probeCellDimensions(lbDim),
      });
    for (const cell of zonal.cells) {
      const tg = { TargetGroup: cell.targetGroup.targetGroupFullName, LoadBalancer: lbDim };
      const lb = { LoadBalancer: lbDim };
      // The function re-checks with the configured outlier test (chi-squared by default); the alarm
      // is its trigger and uses the share test, which metric math can express.
      // affectedTargetsNeeded (lambdas/core/detection.ts): more than one target, but at most half
      // of the cell (rounded up) when the ALB counted a healthy host in the period.
      const half = 'CEIL(MAX([FILL(hh, 0), FILL(unh, 0)]) / 2)';
      const m = d.minAffectedTargets;
      const albNeeded = `IF(FILL(hh, 0) > 0, IF(${half} < ${m}, ${half}, ${m}), ${m})`;
      const albExpression = new cloudwatch.MathExpression({
        label: `${cell.az} impaired (ALB)`,
        period: Duration.seconds(d.periodSeconds),
        expression: [
          `IF(((FILL(req, 0) >= ${d.minRequests}) AND (`,
          `((FILL(f, 0) / ${atLeastOne('FILL(req, 0)')} >= ${d.faultRateThreshold}) AND (FILL(f, 0) / ${atLeastOne('FILL(flb, 0)')} >= ${d.faultShareFactor} * FILL(req, 0) / ${atLeastOne('FILL(reqlb, 0)')}))`,
          ` OR ((FILL(lat, 0) * 1000 >= ${d.latencyThresholdMs}) AND (FILL(lat, 0) >= ${d.latencyOutlierFactor} * FILL(latlb, 0)))`,
          `) AND (MAX([FILL(unh, 0), FILL(pft, 0)]) >= ${albNeeded}))`,
          // Lost capacity: no healthy target left (requests then fail at the ALB, with no
          // TargetGroup metric). The zone-shifter checks the other AZs before acting.
          ` OR (FILL(hh, 1) == 0), 1, 0)`,
        ].join(''),
        usingMetrics: {
          req: alb('RequestCount', 'Sum', tg),
          f: alb('HTTPCode_Target_5XX_Count', 'Sum', tg),
          lat: alb('TargetResponseTime', 'Average', tg),
          unh: alb('UnHealthyHostCount', 'Maximum', tg),
          hh: alb('HealthyHostCount', 'Maximum', tg),
          reqlb: alb('RequestCount', 'Sum', lb),
          flb: alb('HTTPCode_Target_5XX_Count', 'Sum', lb),
          latlb: alb('TargetResponseTime', 'Average', lb),
          pft: probe('ProbeFailedTargets', 'Maximum', cell.az),
        },
      });
      const shape = probeAlarmShape(d);
      // Per period: enough probes; failures or latency over the threshold and an outlier against the
      // other AZs (share-style, which metric math can express; "the others" are the whole load
      // balancer's probes minus this AZ's, so the alarm has 7 metrics whatever the AZ count, under
      // CloudWatch's 10); and more than one target affected.
      const othersProbes = atLeastOne('(FILL(pca, 0) - FILL(pc, 0))');
      const failure = `(100 * FILL(pf, 0) / ${atLeastOne('FILL(pc, 0)')})`;
      const otherFailure = `(100 * (FILL(pfa, 0) - FILL(pf, 0)) / ${othersProbes})`;
      const otherLatency = `((FILL(lata, 0) * FILL(pca, 0) - FILL(lat, 0) * FILL(pc, 0)) / ${othersProbes})`;
      const probeExpression = new cloudwatch.MathExpression({
        label: `${cell.az} impaired (prober)`,
        period: Duration.seconds(shape.periodSeconds),
        expression:
          `IF((FILL(pc, 0) >= ${d.minProbes}) AND (` +
          `((${failure} >= ${d.probeFailureRateThreshold * 100}) AND (${failure} >= 2 * ${otherFailure}))` +
          ` OR ((FILL(lat, 0) >= ${d.probeLatencyThresholdMs}) AND (FILL(lat, 0) >= ${d.latencyOutlierFactor} * ${otherLatency}))` +
          `) AND (FILL(pft, 0) >= ${d.minAffectedTargets}), 1, 0)`,
        usingMetrics: {
          pc: probe('ProbeCount', 'Sum', cell.az),
          pf: probe('ProbeFailures', 'Sum', cell.az),
          lat: probe('ProbeLatency', 'Average', cell.az),
          pft: probe('ProbeFailedTargets', 'Maximum', cell.az),
          pca: probeAll('ProbeCount', 'Sum'),
          pfa: probeAll('ProbeFailures', 'Sum'),
          lata: probeAll('ProbeLatency', 'Average'),
        },
      });
      const alarm = (
        kind: 'alb' | 'probe',
        metric: cloudwatch.IMetric,
        m: { evaluationPeriods: number; datapointsToAlarm: number; periodSeconds: number },
      ) => {
        const a = new cloudwatch.Alarm(this, `Impaired-${cell.az}-${kind}`, {
          alarmName: impairmentAlarmName(this.alarmPrefix, cell.az, kind),
          alarmDescription: `${cell.az} looks impaired (${kind === 'alb' ? 'ALB 5xx/latency outlier' : 'prober failures/latency outlier'}, more than one target affected, ${m.datapointsToAlarm} of ${m.evaluationPeriods} ${m.periodSeconds}-s periods); the zone-shifter re-checks and decides`,
          metric,
          threshold: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: m.evaluationPeriods,
          datapointsToAlarm: m.datapointsToAlarm,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        });
        if (props.alarmTopic) a.addAlarmAction(new cwActions.SnsAction(props.alarmTopic));
        return a;
      };
      // No healthy target left, seen by the prober within seconds instead of the ALB's 1-minute
      // HealthyHostCount; it wakes the zone-shifter, which re-reads target health before acting.
      const t = NO_HEALTHY_TARGETS_ALARM;
      const targetsAlarm = new cloudwatch.Alarm(this, `Impaired-${cell.az}-targets`, {
        alarmName: impairmentAlarmName(this.alarmPrefix, cell.az, 'targets'),
        alarmDescription: `${cell.az} has no healthy target (prober's DescribeTargetHealth, ${t.datapointsToAlarm} of ${t.evaluationPeriods} ${t.periodSeconds}-s periods); the zone-shifter re-checks and decides`,
        metric: probe(t.metricName, t.statistic, cell.az).with({ period: Duration.seconds(t.periodSeconds) }),
        threshold: t.threshold,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: t.evaluationPeriods,
        datapointsToAlarm: t.datapointsToAlarm,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      if (props.alarmTopic) targetsAlarm.addAlarmAction(new cwActions.SnsAction(props.alarmTopic));
      alarms[cell.az] = {
        alb: alarm('alb', albExpression, d),
        probe: alarm('probe', probeExpression, shape),
        targets: targetsAlarm,
      };
    }
    this.impairmentAlarms = alarms;

    // Operators flip the pause switch in this bucket: `bulkhead pause --bucket <StateBucketName>`.
    new CfnOutput(this, 'StateBucketName', {
      value: zonal.stateBucket.bucketName,
      description:
        'Bulkhead state bucket: audit records, leases, and the pause switch (bulkhead pause --bucket)',
    }).overrideLogicalId('StateBucketName');

    // ---- Wiring: rules, schedule ----
    const target = (f: lambda.IFunction, dlq: sqs.IQueue) =>
      new targets.LambdaFunction(f, {
        deadLetterQueue: dlq,
        retryAttempts: 4,
        maxEventAge: Duration.minutes(10),
      });
    new events.Rule(this, 'ImpairmentAlarmRule', {
      description: 'Bulkhead: per-AZ impairment alarm state changes to the zone-shifter',
      eventPattern: {
        source: ['aws.cloudwatch'],
        detailType: ['CloudWatch Alarm State Change'],
        resources: Object.values(alarms).flatMap((a) => [
          a.alb.alarmArn,
          a.probe.alarmArn,
          a.targets.alarmArn,
        ]),
      },
      targets: [target(zs.f, zs.dlq)],
    });
    new events.Rule(this, 'TaskStateRule', {
      description: "Bulkhead: this cluster's ECS task state changes to the task-replacer",
      eventPattern: {
        source: ['aws.ecs'],
        detailType: ['ECS Task State Change'],
        detail: { clusterArn: [zonal.cluster.clusterArn] },
      },
      targets: [target(tr.f, tr.dlq)],
    });
    new events.Rule(this, 'Tick', {
      description: 'Bulkhead: one-minute re-evaluation (ramps, lease expiry, stuck tasks) and probing',
      schedule: events.Schedule.rate(Duration.minutes(1)),
      targets: [target(zs.f, zs.dlq), target(tr.f, tr.dlq), target(pr.f, pr.dlq)],
    });

    // ---- cdk-nag: findings that are by design here, each acknowledged with its reason ----
    for (const f of [zs.f, tr.f, pr.f]) {
      const role = f.role!;
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          'AWSLambdaBasicExecutionRole is the AWS-managed minimum for writing the function its own logs',
      });
      if (f === pr.f) {
        Validations.of(role).acknowledge({
          id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
          reason:
            'The prober runs in the VPC to reach the tasks directly; this managed policy is the minimum for its ENIs',
        });
      }
      for (const action of ['kms:GenerateDataKey*', 'kms:ReEncrypt*']) {
        Validations.of(role).acknowledge({
          id: `AwsSolutions-IAM5[Action::${action}]`,
          reason:
            'Granted by bucket.encryptionKey.grantEncryptDecrypt on the state bucket key only, to read and write its objects',
        });
      }
      for (const statement of granted.get(f) ?? []) {
        for (const resource of statement.resources) {
          const rendered = renderForNag(stack.resolve(resource));
          if (!rendered.includes('*')) continue;
          Validations.of(role).acknowledge({
            id: `AwsSolutions-IAM5[Resource::${rendered}]`,
            reason: wildcardReason(rendered, statement.actions),
          });
        }
      }
    }
  }
}

function wildcardReason(resource: string, actions: readonly string[]): string {
  if (resource === '*') {
    return `No resource-level permissions exist for ${actions.join(', ')}: ${actions.map((a) => UNSCOPED_ACTIONS[a] ?? 'see UNSCOPED_ACTIONS').join('; ')}`;
  }
  if (resource.includes(':task/'))
    return 'Task IDs are not known in advance: any task of this cluster only, also bound by the ecs:cluster condition';
  if (resource.includes(':role/'))
    return "PassRole for a rollback is limited to this stack's roles and to ecs-tasks.amazonaws.com";
  return `Objects under one prefix of the state bucket that this function owns (${actions.join(', ')})`;
}
