import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { AVAILABILITY_DEFAULTS, type AvailabilityConfig } from '../lambdas/config/availability';
import {
  AVAILABILITY_BUCKET_ENV,
  AVAILABILITY_CONFIG_ENV,
  AVAILABILITY_METRICS_SERVICE,
  type AvailabilityRuntimeConfig,
  AVAILABILITY_METRICS as M,
  pickAvailabilitySettings,
} from '../lambdas/config/availability-runtime';
import { PROBE_METRICS } from '../lambdas/config/failover-runtime';
import { PROBE_AZ_DIMENSION, PROBE_NAMESPACE } from '../lambdas/core/cell-metrics';
import { AlarmTopic } from './alarm-topic';
import { BulkheadFunction } from './function';
import { renderForNag } from './nag';
import type { ZonalServiceExports } from './stack-exports';

/** An impairment alarm whose state changes open (ALARM) and close (OK) an incident of `scope`. */
export interface IncidentAlarm {
  readonly alarm: cloudwatch.IAlarm;
  /** `service` or `az:<zone name>`. */
  readonly scope: 'service' | `az:${string}`;
}

/** Where the zonal prober publishes per-AZ probe counts (read for the per-AZ probe SLI); the defaults are the prober's own. */
export interface ZonalProbeMetrics {
  /** @default 'Bulkhead' */
  readonly namespace?: string;
  /** @default 'ProbeCount' */
  readonly countMetric?: string;
  /** @default 'ProbeFailures' */
  readonly failuresMetric?: string;
  /** Dimensions every AZ's series carries besides the AZ one (e.g. `service` and `LoadBalancer`). */
  readonly dimensions: Readonly<Record<string, string>>;
  /** @default 'AvailabilityZone' */
  readonly azDimension?: string;
}

/** Props for {@link Availability}. */
export interface AvailabilityProps {
  /** The zonal service: ALB, listener, cells, state bucket. */
  readonly zonal: ZonalServiceExports;
  /**
   * Deploy-time settings (cdk.json `bulkhead.availability`).
   * @default {} (every default of `AVAILABILITY_DEFAULTS`)
   */
  readonly config?: AvailabilityConfig;
  /**
   * Base URL of the service for the end-to-end probe, e.g. `https://app.example.com`.
   * @default `http://<ALB DNS name>`
   */
  readonly endpoint?: string;
  /**
   * The topic the burn-rate alarms notify. `config.alarmEmail` is subscribed to it.
   * @default a new KMS-encrypted, TLS-only topic
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * The `Service` dimension of the published metrics.
   * @default the stack name
   */
  readonly serviceName?: string;
  /**
   * Impairment alarms (e.g. the failover work's per-AZ alarms) that open and close incidents.
   * @default none: incidents come from the SLIs only
   */
  readonly incidentAlarms?: readonly IncidentAlarm[];
  /**
   * The zonal prober's per-AZ metrics, for a per-AZ probe SLI.
   * @default none: AZ scopes use the request SLI only
   */
  readonly zonalProbe?: ZonalProbeMetrics;
  /**
   * Log groups of the functions that act (failover), for the dashboard's "recent actions" widget.
   * @default none: the widget shows the `Decisions` metric only
   */
  readonly actionLogGroups?: readonly logs.ILogGroup[];
  /**
   * Backup freshness (e.g. seconds since the last good snapshot), shown when the backup work exists.
   * @default no backup widget
   */
  readonly backupFreshness?: cloudwatch.IMetric;
  /**
   * The backup work's "no recent backup" alarm, shown next to the backup metric.
   * @default none
   */
  readonly backupAlarm?: cloudwatch.IAlarm;
  /**
   * The dashboard's name.
   * @default `<stack name>-availability`
   */
  readonly dashboardName?: string;
}

/** The SRE workbook's two paging alerts, for a 30-day window: budget share spent, long and short windows. */
export const BURN_RATE_ALERTS = [
  { name: 'Fast', budgetShare: 0.02, longWindow: '1h', shortWindow: '5m', longHours: 1 },
  { name: 'Slow', budgetShare: 0.05, longWindow: '6h', shortWindow: '30m', longHours: 6 },
] as const;

/**
 * The burn-rate threshold of an alert: spending `budgetShare` of the budget within `longHours` of
 * an SLO window of `sloWindowDays`. For 30 days: 2 % in 1 h = 14.4, 5 % in 6 h = 6.
 */
export function burnRateThreshold(budgetShare: number, longHours: number, sloWindowDays: number): number {
  return Math.round(((budgetShare * sloWindowDays * 24) / longHours) * 1000) / 1000;
}

/**
 * Availability you can see: a scheduled function that measures the SLIs, keeps the incident log,
 * and publishes availability, MTBF, MTTR, MTTD, error budget and burn rates as EMF; multiwindow,
 * multi-burn-rate alarms (SRE workbook) with composites on top, notifying an SNS topic; and one
 * CloudWatch dashboard.
 */
export class Availability extends Construct {
  /** The availability function. */
  readonly function: BulkheadFunction;
  /** The top composite alarm: any burn-rate alert pair is firing. */
  readonly budgetBurnAlarm: cloudwatch.CompositeAlarm;
  /** Fires when the availability function stops publishing: without it the burn-rate alarms go blind. */
  readonly silenceAlarm: cloudwatch.Alarm;
  /** The topic alarms notify. */
  readonly topic: sns.ITopic;
  /** The dashboard. */
  readonly dashboard: cloudwatch.Dashboard;
  /** The `Service` dimension value of the published metrics. */
  readonly serviceName: string;

  constructor(scope: Construct, id: string, props: AvailabilityProps) {
    super(scope, id);
    const config = { ...AVAILABILITY_DEFAULTS, ...props.config };
    const { zonal } = props;
    const stack = Stack.of(this);
    this.serviceName = props.serviceName ?? stack.stackName;
    const sloPercent = config.sloPercent;
    const period = Duration.minutes(config.scheduleMinutes);
    const endpoint = props.endpoint ?? `http://${zonal.loadBalancer.loadBalancerDnsName}`;
    const loadBalancerFullName = (zonal.loadBalancer as { loadBalancerFullName?: string })
      .loadBalancerFullName;
    if (!loadBalancerFullName) {
      throw new Error(
        'Availability needs an ApplicationLoadBalancer with loadBalancerFullName (an owned ALB)',
      );
    }

    const runtime: AvailabilityRuntimeConfig = {
      serviceName: this.serviceName,
      loadBalancer: loadBalancerFullName,
      cells: zonal.cells.map((c) => ({
        az: c.az,
        targetGroup: c.targetGroup.targetGroupFullName,
        targetGroupArn: c.targetGroup.targetGroupArn,
      })),
      listenerArn: zonal.listener.listenerArn,
      // Rounded so 99.9 becomes 0.999, not 0.9990000000000001.
      slo: Math.round(sloPercent * 1e6) / 1e8,
      sloWindow: `${config.sloWindowDays}d`,
      probeUrl: config.probePath === false ? undefined : `${endpoint}${config.probePath}`,
      ...pickAvailabilitySettings(config),
      lookbackMinutes: 15,
      metricLagMinutes: 2,
      incidentAlarms: Object.fromEntries(
        (props.incidentAlarms ?? []).map((a) => [a.alarm.alarmName, a.scope]),
      ),
      zonalProbe: props.zonalProbe && {
        namespace: props.zonalProbe.namespace ?? PROBE_NAMESPACE,
        countMetric: props.zonalProbe.countMetric ?? PROBE_METRICS.probes,
        failuresMetric: props.zonalProbe.failuresMetric ?? PROBE_METRICS.failures,
        dimensions: { ...props.zonalProbe.dimensions },
        azDimension: props.zonalProbe.azDimension ?? PROBE_AZ_DIMENSION,
      },
    };

    // An explicit role, so the function holds exactly the grants below (no managed policy).
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Bulkhead availability function: reads metrics and the incident log, appends to it',
    });
    this.function = new BulkheadFunction(this, 'Function', {
      functionDir: 'availability',
      description: 'Bulkhead availability: SLIs, incident log, MTBF/MTTR, error budget and burn rates (EMF)',
      role,
      timeout: Duration.seconds(60),
      memorySize: 256,
      environment: {
        [AVAILABILITY_CONFIG_ENV]: stack.toJsonString(runtime),
        [AVAILABILITY_BUCKET_ENV]: zonal.stateBucket.bucketName,
        POWERTOOLS_SERVICE_NAME: AVAILABILITY_METRICS_SERVICE,
      },
    });
    this.function.logGroup.grantWrite(role);
    // Least privilege on the state bucket: read the incident log and the audit records, append incidents.
    // Written out rather than bucket.grantRead/grantPut, whose action sets (s3:GetObject*, s3:List*,
    // s3:Abort*, kms:ReEncrypt*, …) are wider than reading and appending need.
    const bucket = zonal.stateBucket;
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ListIncidentsAndAudit',
        actions: ['s3:ListBucket'],
        resources: [bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': ['incidents/*', 'audit/*'] } },
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadIncidentsAndAudit',
        actions: ['s3:GetObject'],
        resources: [bucket.arnForObjects('incidents/*'), bucket.arnForObjects('audit/*')],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'AppendIncidents',
        actions: ['s3:PutObject'],
        resources: [bucket.arnForObjects('incidents/*')],
      }),
    );
    if (bucket.encryptionKey) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'StateBucketKey',
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: [bucket.encryptionKey.keyArn],
        }),
      );
    }
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadMetrics',
        actions: ['cloudwatch:GetMetricData'],
        // GetMetricData has no resource-level permissions: the only valid resource is "*".
        resources: ['*'],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadListenerWeights',
        actions: ['elasticloadbalancing:DescribeListeners'],
        // ELBv2 Describe* actions have no resource-level permissions: the only valid resource is "*".
        resources: ['*'],
      }),
    );
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'The Bulkhead availability function calls cloudwatch:GetMetricData to read the ALB and probe metrics; ' +
        'GetMetricData supports no resource-level permissions, so its resource must be "*"; so does ' +
        'elasticloadbalancing:DescribeListeners (read-only, for the per-AZ listener weights). X-Ray ' +
        'PutTraceSegments/PutTelemetryRecords (active tracing) are likewise not resource-scoped.',
    });
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${renderForNag(stack.resolve(bucket.arnForObjects('incidents/*')))}]`,
      reason:
        'The availability function reads and appends incident records, one object each, under incidents/.',
    });
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${renderForNag(stack.resolve(bucket.arnForObjects('audit/*')))}]`,
      reason:
        "The availability function reads the failover functions' audit records under audit/ (read only).",
    });

    new events.Rule(this, 'Schedule', {
      description: `Runs the Bulkhead availability function every ${config.scheduleMinutes} minute(s)`,
      schedule: events.Schedule.rate(period),
      // A missed tick is covered by the next one (each run looks back 15 minutes): don't pile retries up.
      targets: [
        new targets.LambdaFunction(this.function, { retryAttempts: 0, maxEventAge: Duration.minutes(2) }),
      ],
    });
    if (props.incidentAlarms && props.incidentAlarms.length > 0) {
      new events.Rule(this, 'IncidentAlarms', {
        description: 'Impairment alarm state changes open and close Bulkhead incidents',
        eventPattern: {
          source: ['aws.cloudwatch'],
          detailType: ['CloudWatch Alarm State Change'],
          resources: props.incidentAlarms.map((a) => a.alarm.alarmArn),
        },
        targets: [
          new targets.LambdaFunction(this.function, { retryAttempts: 8, maxEventAge: Duration.hours(6) }),
        ],
      });
    }

    // ---- Alarms -------------------------------------------------------------------------------
    this.topic = props.alarmTopic ?? new AlarmTopic(this, 'Alarms').topic;
    if (config.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(config.alarmEmail));
    const notify = new cwActions.SnsAction(this.topic);
    const ours = { service: AVAILABILITY_METRICS_SERVICE, Service: this.serviceName };
    const metric = (metricName: string, dims: Record<string, string>, statistic = 'Maximum', p = period) =>
      new cloudwatch.Metric({
        namespace: 'Bulkhead',
        metricName,
        dimensionsMap: { ...ours, ...dims },
        statistic,
        period: p,
      });

    const slis = config.probePath === false ? (['requests'] as const) : (['requests', 'probes'] as const);
    const pairs: cloudwatch.CompositeAlarm[] = [];
    for (const alert of BURN_RATE_ALERTS) {
      const threshold = burnRateThreshold(alert.budgetShare, alert.longHours, config.sloWindowDays);
      for (const sli of slis) {
        const tag = `${alert.name}Burn${sli === 'requests' ? 'Requests' : 'Probes'}`;
        const windowAlarm = (window: string) =>
          new cloudwatch.Alarm(this, `${tag}${window}`, {
            alarmDescription: `Bulkhead ${this.serviceName}: ${sli} SLI burn rate over ${window} above ${threshold}x (SLO ${sloPercent}% over ${config.sloWindowDays}d)`,
            metric: metric(M.burnRate, { Sli: sli, Window: window }),
            threshold,
            comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluationPeriods: 1,
            datapointsToAlarm: 1,
            // No datapoint means no traffic (no burn rate is defined); the silence alarm covers a dead function.
            treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
          });
        const long = windowAlarm(alert.longWindow);
        const short = windowAlarm(alert.shortWindow);
        pairs.push(
          new cloudwatch.CompositeAlarm(this, tag, {
            alarmDescription: `Bulkhead ${this.serviceName}: ${Math.round(alert.budgetShare * 100)}% of the ${config.sloWindowDays}-day error budget would be spent in ${alert.longWindow} (${sli} SLI burning > ${threshold}x over ${alert.longWindow} and ${alert.shortWindow})`,
            alarmRule: cloudwatch.AlarmRule.allOf(
              cloudwatch.AlarmRule.fromAlarm(long, cloudwatch.AlarmState.ALARM),
              cloudwatch.AlarmRule.fromAlarm(short, cloudwatch.AlarmState.ALARM),
            ),
          }),
        );
      }
    }
    this.budgetBurnAlarm = new cloudwatch.CompositeAlarm(this, 'ErrorBudgetBurn', {
      alarmDescription: `Bulkhead ${this.serviceName}: the error budget (SLO ${sloPercent}% over ${config.sloWindowDays}d) is burning too fast`,
      alarmRule: cloudwatch.AlarmRule.anyOf(
        ...pairs.map((p) => cloudwatch.AlarmRule.fromAlarm(p, cloudwatch.AlarmState.ALARM)),
      ),
    });
    this.budgetBurnAlarm.addAlarmAction(notify);
    this.budgetBurnAlarm.addOkAction(notify);
    this.silenceAlarm = new cloudwatch.Alarm(this, 'Silent', {
      alarmDescription: `Bulkhead ${this.serviceName}: the availability function published nothing for 3 runs; burn-rate alarms are blind`,
      metric: metric(M.openIncidents, {}, 'SampleCount'),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    this.silenceAlarm.addAlarmAction(notify);
    this.silenceAlarm.addOkAction(notify);

    // ---- Dashboard ----------------------------------------------------------------------------
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName ?? `${stack.stackName}-availability`,
      defaultInterval: Duration.days(1),
    });
    const azs = zonal.cells.map((c) => c.az);
    const perAz = (metricName: string, window: string) =>
      azs.map((az) =>
        metric(metricName, { AZ: az, Window: window }, 'Average', Duration.minutes(5)).with({ label: az }),
      );
    const svc = (metricName: string, dims: Record<string, string>, label: string, statistic = 'Average') =>
      metric(metricName, dims, statistic, Duration.minutes(5)).with({ label });
    const fiveMin = Duration.minutes(5);
    const alb = (metricName: string, dims: Record<string, string>, statistic: string, label: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/ApplicationELB',
        metricName,
        dimensionsMap: { LoadBalancer: loadBalancerFullName, ...dims },
        statistic,
        period: fiveMin,
        label,
      });

    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        width: 24,
        height: 3,
        markdown: [
          `# Bulkhead availability: ${this.serviceName}`,
          `SLO **${sloPercent}%** over **${config.sloWindowDays} days**. Availability = MTBF / (MTBF + MTTR). ` +
            'MTBF is absent when there was no failure in the window (it exceeds the window). ' +
            'Burn-rate alerts: 14.4x over 1 h and 5 m, 6x over 6 h and 30 m (SRE workbook). ' +
            'Definitions: README, section "Availability".',
        ].join('\n\n'),
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.SingleValueWidget({
        title: 'Service, last 30 days',
        width: 12,
        height: 4,
        metrics: [
          svc(M.timeAvailability, { Window: '30d' }, 'Time-based availability %'),
          svc(M.requestAvailability, { Window: '30d' }, 'Request-based availability %'),
          svc(M.budgetRemaining, { Sli: 'requests' }, 'Error budget left % (requests)'),
          svc(M.budgetRemaining, { Sli: 'time' }, 'Error budget left % (time)'),
          svc(M.openIncidents, {}, 'Open incidents', 'Maximum'),
        ],
      }),
      new cloudwatch.AlarmStatusWidget({
        title: 'Burn-rate alarms',
        width: 12,
        height: 4,
        alarms: [this.budgetBurnAlarm, ...pairs, this.silenceAlarm],
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Availability % (1 h window)',
        width: 8,
        left: [
          svc(M.timeAvailability, { Window: '1h' }, 'time-based'),
          svc(M.requestAvailability, { Window: '1h' }, 'request-based'),
          svc(M.probeAvailability, { Window: '1h' }, 'end-to-end probe'),
        ],
        leftYAxis: { max: 100 },
        leftAnnotations: [{ value: sloPercent, label: `SLO ${sloPercent}%` }],
      }),
      new cloudwatch.GraphWidget({
        title: 'Error budget remaining %',
        width: 8,
        left: [
          svc(M.budgetRemaining, { Sli: 'requests' }, 'requests'),
          svc(M.budgetRemaining, { Sli: 'probes' }, 'probes'),
          svc(M.budgetRemaining, { Sli: 'time' }, 'time'),
        ],
        leftAnnotations: [{ value: 0, label: 'budget spent' }],
      }),
      new cloudwatch.GraphWidget({
        title: 'Burn rate (requests SLI)',
        width: 8,
        left: ['5m', '30m', '1h', '6h', '3d'].map((w) =>
          svc(M.burnRate, { Sli: 'requests', Window: w }, w, 'Maximum'),
        ),
        leftAnnotations: BURN_RATE_ALERTS.map((a) => ({
          value: burnRateThreshold(a.budgetShare, a.longHours, config.sloWindowDays),
          label: `${a.name.toLowerCase()} burn`,
        })),
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'MTBF and MTTR, service (30 d window, seconds)',
        width: 8,
        left: [svc(M.mtbf, { Window: '30d' }, 'MTBF')],
        right: [
          svc(M.mttr, { Window: '30d' }, 'MTTR'),
          svc(M.mttd, { Window: '30d' }, 'MTTD'),
          svc(M.mttm, { Window: '30d' }, 'time to mitigate'),
        ],
      }),
      new cloudwatch.GraphWidget({
        title: 'MTTR per AZ (30 d window, seconds)',
        width: 8,
        left: perAz(M.mttr, '30d'),
      }),
      new cloudwatch.GraphWidget({
        title: 'Availability % per AZ (1 d window)',
        width: 8,
        left: perAz(M.timeAvailability, '1d'),
        leftYAxis: { max: 100 },
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Listener weight share per AZ % (configured)',
        width: 6,
        left: azs.map((az) =>
          metric(M.listenerWeightShare, { AZ: az }, 'Minimum', Duration.minutes(1)).with({ label: az }),
        ),
        leftYAxis: { min: 0, max: 100 },
      }),
      new cloudwatch.GraphWidget({
        title: 'Traffic share per AZ % (the weights in effect)',
        width: 6,
        left: zonal.cells.map(
          (c, i) =>
            new cloudwatch.MathExpression({
              expression: `100 * r${i} / (${zonal.cells.map((_, k) => `FILL(r${k}, 0)`).join(' + ')})`,
              usingMetrics: Object.fromEntries(
                zonal.cells.map((cell, k) => [
                  `r${k}`,
                  cell.targetGroup.metrics.requestCount({ period: fiveMin }),
                ]),
              ),
              label: c.az,
              period: fiveMin,
            }),
        ),
        leftYAxis: { min: 0, max: 100 },
      }),
      new cloudwatch.GraphWidget({
        title: 'Healthy tasks per AZ',
        width: 6,
        left: zonal.cells.map((c) =>
          c.targetGroup.metrics.healthyHostCount({ period: fiveMin, statistic: 'Minimum', label: c.az }),
        ),
      }),
      new cloudwatch.GraphWidget({
        title: '5xx per AZ (targets and ALB)',
        width: 6,
        left: [
          ...zonal.cells.map((c) =>
            c.targetGroup.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, {
              period: fiveMin,
              statistic: 'Sum',
              label: `${c.az} targets`,
            }),
          ),
          ...azs.map((az) => alb('HTTPCode_ELB_5XX_Count', { AvailabilityZone: az }, 'Sum', `${az} ALB`)),
        ],
      }),
    );
    const actionWidgets: cloudwatch.IWidget[] = [
      new cloudwatch.GraphWidget({
        title: 'Latency per AZ (target response time p99, s)',
        width: 8,
        left: zonal.cells.map((c) =>
          c.targetGroup.metrics.targetResponseTime({ period: fiveMin, statistic: 'p99', label: c.az }),
        ),
      }),
      new cloudwatch.GraphWidget({
        title: "Bulkhead's actions (decisions per function and kind)",
        width: 8,
        left: [
          new cloudwatch.MathExpression({
            expression: `SEARCH('{Bulkhead,Decision,Function,service} MetricName="Decisions"', 'Sum', 300)`,
            label: '',
            period: fiveMin,
          }),
        ],
      }),
    ];
    if (props.backupFreshness) {
      actionWidgets.push(
        new cloudwatch.GraphWidget({
          title: 'Backup freshness (successful backups per period)',
          width: props.backupAlarm ? 4 : 8,
          left: [props.backupFreshness],
        }),
      );
    }
    if (props.backupAlarm) {
      actionWidgets.push(
        new cloudwatch.AlarmStatusWidget({
          title: 'Backup',
          width: 4,
          height: 6,
          alarms: [props.backupAlarm],
        }),
      );
    }
    this.dashboard.addWidgets(...actionWidgets);
    if (props.actionLogGroups && props.actionLogGroups.length > 0) {
      this.dashboard.addWidgets(
        new cloudwatch.LogQueryWidget({
          title: "Bulkhead's recent actions (audit lines of the acting functions)",
          width: 24,
          height: 6,
          logGroupNames: props.actionLogGroups.map((g) => g.logGroupName),
          view: cloudwatch.LogQueryVisualizationType.TABLE,
          queryLines: [
            'fields @timestamp, function, decision, az, reason, dryRun',
            'filter message = "decision recorded" and decision != "none"',
            'sort @timestamp desc',
            'limit 50',
          ],
        }),
      );
    }
  }
}
